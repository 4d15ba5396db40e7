/**
 * A pod running the labs' request loop is a load generator while it runs — however it was created
 * (kubectl run through `scalelab serve`, or a manifest applied on the timeline).
 */
import { describe, expect, it } from "vitest";
import { rescales, runScenario } from "./helpers.js";

const scenario = `apiVersion: scalelab.dev/v1alpha1
kind: Scenario
metadata: {name: load-pod}
spec:
  duration: 12m
  nodeGroups: [{name: ng, instanceType: m5.large, desired: 3}]
  timeline:
    - at: 1m
      apply:
        apiVersion: v1
        kind: Pod
        metadata: {name: looper}
        spec:
          restartPolicy: Never
          containers:
          - name: looper
            image: busybox:1.28
            command: [/bin/sh, -c, "while sleep 0.01; do wget -q -O- http://php-apache; done"]
    - at: 6m
      run: kubectl delete pod looper
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: php-apache}
spec:
  selector: {matchLabels: {run: php-apache}}
  template:
    metadata: {labels: {run: php-apache}}
    spec:
      containers:
      - name: php-apache
        image: registry.k8s.io/hpa-example
        resources: {requests: {cpu: 200m}, limits: {cpu: 500m}}
---
apiVersion: v1
kind: Service
metadata: {name: php-apache}
spec:
  selector: {run: php-apache}
  ports: [{port: 80}]
---
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: php-apache}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: php-apache}
  minReplicas: 1
  maxReplicas: 10
  targetCPUUtilizationPercentage: 50
`;

describe("a request-loop pod generates load while it runs", () => {
  const run = runScenario({ text: scenario });
  const load = (run.summary.load as Array<{ name: string; requests: number; active: boolean }>).find((l) => l.name === "pod:default/looper");

  it("is recognised as one closed-loop client of the Service in its URL", () => {
    expect(load).toBeDefined();
    expect(load!.active).toBe(false); // deleted at 6m
    // ~4.7 requests/s (0.1 CPU-s each at the 500m limit, 13 ms think) for ~5 minutes while it ran.
    expect(load!.requests).toBeGreaterThan(1000);
    expect(load!.requests).toBeLessThan(5 * 60 * 6);
  });

  it("drives the HPA up while it runs", () => {
    const ups = rescales(run.events, "php-apache");
    expect(ups[0]![0]).toBeGreaterThan(60);
    expect(ups[0]![0]).toBeLessThan(60 + 120);
    expect(Math.max(...ups.map(([, n]) => n))).toBeGreaterThanOrEqual(4);
  });
});
