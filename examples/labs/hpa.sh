#!/usr/bin/env bash
# The EKS workshop / Kubernetes HPA walkthrough as the kubectl commands it uses, against
# `scalelab serve --speed 60` (one simulated minute per wall second).
#
#   examples/labs/hpa.sh            # from the repository root, after `npm install`
#
# Needs kubectl on PATH. Every kubectl below is typed exactly as in the lab.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${PORT:-18443}
SPEED=${SPEED:-60}
WORK=$(mktemp -d)
export KUBECONFIG="$WORK/kubeconfig"
node bin/scalelab.js serve --speed "$SPEED" --port "$PORT" --kubeconfig "$KUBECONFIG" >"$WORK/serve.log" 2>&1 &
SERVE=$!
trap 'kill $SERVE 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do kubectl get --raw /readyz >/dev/null 2>&1 && break; sleep 0.1; done
kc() { echo "\$ kubectl $*"; kubectl "$@"; }
wall() { sleep "$1"; }   # wall seconds; at --speed 60 each is a simulated minute

kc apply -f examples/labs/php-apache.yaml
kc autoscale deployment php-apache --cpu-percent=50 --min=1 --max=10
wall 1
kc get hpa
echo "\$ kubectl run -i --tty load-generator --rm --image=busybox:1.28 --restart=Never -- /bin/sh -c \"while sleep 0.01; do wget -q -O- http://php-apache; done\""
kubectl run load-generator --image=busybox:1.28 --restart=Never -- /bin/sh -c "while sleep 0.01; do wget -q -O- http://php-apache; done"
echo "\$ kubectl get hpa php-apache --watch   (5 simulated minutes)"
timeout $((300 / SPEED + 1)) kubectl get hpa php-apache --watch || true
kc get deployment php-apache
echo "# stop the load (Ctrl+C in the load generator's terminal; --rm deletes the pod)"
kc delete pod load-generator
echo "\$ kubectl get hpa php-apache --watch   (7 simulated minutes: the 5-minute scale-down window)"
timeout $((420 / SPEED + 1)) kubectl get hpa php-apache --watch || true
kc get deployment php-apache
kc describe hpa php-apache
