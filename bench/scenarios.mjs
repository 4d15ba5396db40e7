// Generators of the benchmark scenarios (YAML text), so the benchmarks use the same loader as users.
export function hpaDayScenario({ name, nodes, deployments, replicas, instanceType, seed, hours = 24 }) {
  const perPodRps = 12.5; // 125m of 250m at 10m CPU per request = 50 % utilisation
  const docs = [];
  docs.push(`apiVersion: scalelab.dev/v1alpha1
kind: Scenario
metadata: {name: ${name}}
spec:
  region: us-east-1
  duration: ${hours}h
  seed: ${seed}
  nodeGroups: [{name: bench, instanceType: ${instanceType}, desired: ${nodes}, min: ${nodes}, max: ${nodes}}]
  usage: [{image: nginx, cpu: 1m, cpuPerRequest: 10m, memory: 20Mi}]
  load:
${Array.from({ length: deployments }, (_, i) => `    - name: load-${i}
      target: service/app-${i}
      openLoop: {profile: {type: diurnal, min: ${Math.round(replicas * perPodRps * 0.3)}, max: ${Math.round(replicas * perPodRps * 0.95)}, period: 24h, peakAt: ${12 + (i % 6)}h}}`).join("\n")}`);
  for (let i = 0; i < deployments; i++) {
    docs.push(`apiVersion: apps/v1
kind: Deployment
metadata: {name: app-${i}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: app-${i}}}
  template:
    metadata: {labels: {app: app-${i}}}
    spec:
      containers:
      - name: web
        image: nginx
        resources: {requests: {cpu: 250m, memory: 256Mi}, limits: {cpu: 500m}}`);
    docs.push(`apiVersion: v1
kind: Service
metadata: {name: app-${i}}
spec:
  selector: {app: app-${i}}
  ports: [{port: 80}]`);
    docs.push(`apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: app-${i}}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: app-${i}}
  minReplicas: ${Math.max(1, Math.round(replicas / 4))}
  maxReplicas: ${replicas}
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]`);
  }
  return docs.join("\n---\n") + "\n";
}
