/**
 * The CloudProvider seam (Karpenter's `cloudprovider.CloudProvider`, reused by the Cluster
 * Autoscaler's Auto Scaling groups): instance types with their requirements and offerings, and
 * instance create/delete/get/list. The simulated AWS (src/cloud/aws/) implements it on virtual time;
 * nothing above this interface knows it is simulated.
 */
export type CapacityType = "on-demand" | "spot" | "reserved";

/** One way to buy an instance type: zone × capacity type, with its current price and availability. */
export interface Offering {
  zone: string;
  zoneId?: string;
  capacityType: CapacityType;
  /** $/hour now (spot prices move on a random walk). */
  price: number;
  /** False while the offering is in the insufficient-capacity (ICE) cache or not offered. */
  available: boolean;
}

/** A label requirement as Karpenter's scheduling.Requirement (NodeSelectorRequirement with minValues). */
export interface NodeRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";
  values?: string[];
  minValues?: number;
}

export interface ResourceList {
  /** millicores */
  cpu: number;
  /** bytes */
  memory: number;
  pods: number;
  /** bytes */
  ephemeralStorage: number;
  [extended: string]: number;
}

export interface CloudInstanceType {
  name: string;
  /** Single-valued labels of the type (kubernetes.io/arch, karpenter.k8s.aws/instance-*, …) as requirements. */
  requirements: NodeRequirement[];
  /** Zone/capacity-type/price/availability combinations. */
  offerings: Offering[];
  /** Node capacity (vCPU, nominal memory minus VM overhead, pods, ephemeral storage). */
  capacity: ResourceList;
  /** kube-reserved + system-reserved + eviction threshold; allocatable = capacity − overhead. */
  overhead: { kubeReserved: ResourceList; systemReserved: ResourceList; evictionThreshold: ResourceList };
  allocatable: ResourceList;
}

export interface LaunchRequest {
  /** Candidate instance types, already filtered to those compatible with the requirements. */
  instanceTypes: CloudInstanceType[];
  /** Requirements (zone, capacity-type, …) the chosen offering must satisfy. */
  requirements: NodeRequirement[];
  /** Tags/labels to put on the instance. */
  tags: Record<string, string>;
  /** For logs and errors. */
  nodeClaimName?: string;
  /** The node class (EC2NodeClass object) to launch from: AMI, subnets, kubelet settings. Optional. */
  nodeClass?: unknown;
}

export interface CloudInstance {
  id: string; // i-0123456789abcdef0
  providerID: string; // aws:///us-east-1a/i-0123456789abcdef0
  instanceType: string;
  zone: string;
  capacityType: CapacityType;
  /** $/hour at launch. */
  price: number;
  imageID: string;
  launchedAt: number; // virtual ms
  state: "pending" | "running" | "shutting-down" | "terminated";
  tags: Record<string, string>;
  privateIp: string;
  privateDnsName: string;
  /** Subnet and security groups the instance was launched into (for subnet/security-group drift). */
  subnetId?: string;
  securityGroupIds?: string[];
}

/** CreateFleet failed for every override: InsufficientInstanceCapacity / UnfulfillableCapacity. */
export class InsufficientCapacityError extends Error {
  constructor(
    message: string,
    /** Offerings that were tried and are now in the ICE cache. */
    readonly offerings: Array<{ instanceType: string; zone: string; capacityType: CapacityType }>,
  ) {
    super(message);
    this.name = "InsufficientCapacityError";
  }
}

export interface CloudProvider {
  readonly name: string; // "aws"
  readonly region: string;
  /** Instance types offered in the region for a node class (AMI architecture, subnets' zones …). */
  instanceTypes(nodeClass?: unknown): CloudInstanceType[];
  /** Launch one instance (CreateFleet instant, target capacity 1). Throws InsufficientCapacityError. */
  create(req: LaunchRequest): CloudInstance;
  delete(id: string): void;
  get(id: string): CloudInstance | undefined;
  list(): CloudInstance[];
  /** Subscribe to instance state changes (running → the node registers; interruption notices). */
  on(listener: (ev: CloudEvent) => void): () => void;
}

export type CloudEvent =
  | { type: "running"; instance: CloudInstance }
  | { type: "terminated"; instance: CloudInstance }
  | { type: "spot-interruption"; instance: CloudInstance; /** virtual ms when EC2 reclaims it (2 min later) */ at: number }
  | { type: "rebalance-recommendation"; instance: CloudInstance };

export const CLOUD_PROVIDER_SERVICE = "cloud-provider";
