/**
 * EKS worker naming in the simulated VPC: the private IP of the n-th node of a zone and the EC2
 * private DNS name derived from it (the Node name EKS registers). Both the managed node groups
 * (cluster/nodes.ts) and the simulated EC2 (ec2.ts, Karpenter's instances) draw addresses from the
 * same subnets, so the helpers live here, below both.
 */
import { hashString } from "../../core/rng.js";

/** VPC layout: eksctl's 192.168.0.0/16 with /19 per zone in us-east-1, a 10.0.0.0/16 with /20 per zone elsewhere. */
function vpcLayout(region: string): { prefix: string; block: number; usable: number; stride: number; domain: string } {
  if (region === "us-east-1") return { prefix: "192.168", block: 32, usable: 8192 - 5, stride: 4099, domain: "ec2.internal" };
  return { prefix: "10.0", block: 16, usable: 4096 - 5, stride: 1031, domain: `${region}.compute.internal` };
}

/** 0 for `…a`, 1 for `…b`, …: the zone's subnet block and its zone-id ordinal. */
export function zoneIndex(zone: string): number {
  const c = zone.charCodeAt(zone.length - 1);
  return c >= 97 && c <= 122 ? c - 97 : 0;
}

/** Private IP of the `index`-th node of the cluster in `zone`: a permutation of the zone subnet's usable hosts. */
export function nodePrivateIp(region: string, zone: string, index: number): string {
  const v = vpcLayout(region);
  // AWS reserves the first four and the last address of a subnet.
  const offset = 4 + ((index * v.stride + (hashString(zone) % v.usable)) % v.usable);
  const third = zoneIndex(zone) * v.block + Math.floor(offset / 256);
  return `${v.prefix}.${third}.${offset % 256}`;
}

export function privateDnsName(region: string, ip: string): string {
  return `ip-${ip.replace(/\./g, "-")}.${vpcLayout(region).domain}`;
}
