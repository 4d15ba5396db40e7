import { describe, expect, it } from "vitest";
import { exitPlan, PI_2000_DIGITS_MS } from "./exit.js";
import type { UsageOverride } from "./types.js";

const busybox = (command: string[], args?: string[]) => ({ image: "busybox:1.36", command, ...(args ? { args } : {}) });
const sh = (script: string) => busybox(["sh", "-c", script]);

describe("exitPlan: commands that end by themselves", () => {
  it("sleep in seconds, GNU suffixes, fractions, several operands summed", () => {
    expect(exitPlan(busybox(["sleep", "30"]))).toEqual({ afterMs: 30_000, exitCode: 0 });
    expect(exitPlan(busybox(["sleep", "30s"]))).toEqual({ afterMs: 30_000, exitCode: 0 });
    expect(exitPlan(busybox(["sleep", "1m"]))).toEqual({ afterMs: 60_000, exitCode: 0 });
    expect(exitPlan(busybox(["/bin/sleep", "0.5"]))).toEqual({ afterMs: 500, exitCode: 0 });
    expect(exitPlan(busybox(["sleep", "1h", "30m", "2"]))).toEqual({ afterMs: 5_402_000, exitCode: 0 });
    expect(exitPlan(busybox(["sleep", "1d"]))).toEqual({ afterMs: 86_400_000, exitCode: 0 });
  });

  it("a malformed or missing sleep operand fails at once", () => {
    expect(exitPlan(busybox(["sleep", "ten"]))).toEqual({ afterMs: 0, exitCode: 1 });
    expect(exitPlan(busybox(["sleep"]))).toEqual({ afterMs: 0, exitCode: 1 });
  });

  it("true, false, echo, date, env, printenv, exit N", () => {
    expect(exitPlan(busybox(["true"]))).toEqual({ afterMs: 0, exitCode: 0 });
    expect(exitPlan(busybox(["false"]))).toEqual({ afterMs: 0, exitCode: 1 });
    expect(exitPlan(busybox(["echo", "hello", "world"]))).toEqual({ afterMs: 0, exitCode: 0 });
    expect(exitPlan(busybox(["date"]))).toEqual({ afterMs: 0, exitCode: 0 });
    expect(exitPlan(busybox(["env"]))).toEqual({ afterMs: 0, exitCode: 0 });
    expect(exitPlan(busybox(["printenv", "HOME"]))).toEqual({ afterMs: 0, exitCode: 0 });
    expect(exitPlan(sh("exit 3"))).toEqual({ afterMs: 0, exitCode: 3 });
    expect(exitPlan(sh("exit 256"))).toEqual({ afterMs: 0, exitCode: 0 });
  });

  it("sh -c scripts: sequences add up, the last status is the script's, exit ends it", () => {
    expect(exitPlan(sh("sleep 30"))).toEqual({ afterMs: 30_000, exitCode: 0 });
    expect(exitPlan(busybox(["/bin/sh", "-c", "echo hi; sleep 5; exit 3"]))).toEqual({ afterMs: 5_000, exitCode: 3 });
    expect(exitPlan(sh("echo start && sleep 10 && echo done"))).toEqual({ afterMs: 10_000, exitCode: 0 });
    expect(exitPlan(sh("sleep 2; false"))).toEqual({ afterMs: 2_000, exitCode: 1 });
    expect(exitPlan(sh("sleep 5; exit 1; sleep 100"))).toEqual({ afterMs: 5_000, exitCode: 1 });
    // args carry the script when command is only the shell
    expect(exitPlan(busybox(["/bin/sh"], ["-c", "sleep 7 && exit 2"]))).toEqual({ afterMs: 7_000, exitCode: 2 });
    // newlines separate commands; comments are ignored
    expect(exitPlan(sh("echo a # sleep 100\nsleep 3\n"))).toEqual({ afterMs: 3_000, exitCode: 0 });
  });

  it("&& skips after a failure, || runs only after one", () => {
    expect(exitPlan(sh("false && sleep 100"))).toEqual({ afterMs: 0, exitCode: 1 });
    expect(exitPlan(sh("false || sleep 4"))).toEqual({ afterMs: 4_000, exitCode: 0 });
    expect(exitPlan(sh("true || sleep 100"))).toEqual({ afterMs: 0, exitCode: 0 });
    expect(exitPlan(sh("false && sleep 100 || exit 7"))).toEqual({ afterMs: 0, exitCode: 7 });
  });

  it("set -e (or sh -ec) ends the script at the first failing list", () => {
    expect(exitPlan(busybox(["sh", "-ec", "sleep 1; false; sleep 100"]))).toEqual({ afterMs: 1_000, exitCode: 1 });
    expect(exitPlan(sh("set -e; sleep 1; false; sleep 100"))).toEqual({ afterMs: 1_000, exitCode: 1 });
    // without -e the script goes on
    expect(exitPlan(sh("sleep 1; false; sleep 2"))).toEqual({ afterMs: 3_000, exitCode: 0 });
  });

  it("quotes, redirections, variables and command substitution", () => {
    expect(exitPlan(sh(`echo "a; sleep 100" > /dev/null 2>&1; sleep 1`))).toEqual({ afterMs: 1_000, exitCode: 0 });
    expect(exitPlan(sh("echo \"Job $JOB_COMPLETION_INDEX at $(date)\"; sleep 2"))).toEqual({ afterMs: 2_000, exitCode: 0 });
    expect(exitPlan(sh("echo $(sleep 3)"))).toEqual({ afterMs: 3_000, exitCode: 0 });
    expect(exitPlan(sh("X=1 sleep 2"))).toEqual({ afterMs: 2_000, exitCode: 0 });
    expect(exitPlan(sh("exec sleep 6"))).toEqual({ afterMs: 6_000, exitCode: 0 });
    expect(exitPlan(sh("echo hi | cat"))).toBeUndefined(); // cat: not modelled
    expect(exitPlan(sh("sleep 2 | echo x"))).toEqual({ afterMs: 2_000, exitCode: 0 });
  });

  it("loops, sleep infinity, background jobs, unknown programs and entrypoints: no plan", () => {
    expect(exitPlan(sh("while true; do echo hi; sleep 1; done"))).toBeUndefined();
    expect(exitPlan(sh("while sleep 0.01; do wget -q -O- http://php-apache; done"))).toBeUndefined();
    expect(exitPlan(busybox(["sleep", "infinity"]))).toBeUndefined();
    expect(exitPlan(sh("sleep infinity"))).toBeUndefined();
    expect(exitPlan(sh("sleep 10 &"))).toBeUndefined();
    expect(exitPlan(sh("sleep $((RANDOM % 10))"))).toBeUndefined();
    expect(exitPlan(sh("exit $CODE"))).toBeUndefined();
    expect(exitPlan(sh("for i in 1 2 3; do sleep 1; done"))).toBeUndefined();
    expect(exitPlan(sh("sleep 1 &&"))).toBeUndefined();
    expect(exitPlan(busybox(["sh"]))).toBeUndefined(); // reads stdin: depends on the pod's stdin/tty
    expect(exitPlan({ image: "nginx:1.27" })).toBeUndefined();
    expect(exitPlan({ image: "registry.k8s.io/hpa-example" })).toBeUndefined();
    expect(exitPlan({ image: "myorg/worker:1", args: ["sleep", "5"] })).toBeUndefined(); // its ENTRYPOINT is unknown
    expect(exitPlan({ image: "nginx", command: ["nginx", "-g", "daemon off;"] })).toBeUndefined();
  });

  it("args alone run as the command on base images without an ENTRYPOINT", () => {
    expect(exitPlan({ image: "busybox", args: ["sleep", "5"] })).toEqual({ afterMs: 5_000, exitCode: 0 });
    expect(exitPlan({ image: "docker.io/library/alpine:3.20", args: ["sh", "-c", "exit 4"] })).toEqual({ afterMs: 0, exitCode: 4 });
  });

  it("the Kubernetes docs' pi Job runs the documented ~10 s", () => {
    const pi = { image: "perl:5.34.0", command: ["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"] };
    expect(exitPlan(pi)).toEqual({ afterMs: PI_2000_DIGITS_MS, exitCode: 0 });
    expect(PI_2000_DIGITS_MS).toBe(10_000);
    // modelled: quadratic in the digits
    expect(exitPlan({ ...pi, command: ["perl", "-Mbignum=bpi", "-wle", "print bpi(1000)"] })).toEqual({ afterMs: 2_500, exitCode: 0 });
    expect(exitPlan({ ...pi, command: ["perl", "-e", "print 1"] })).toBeUndefined();
  });
});

describe("exitPlan: usage overrides", () => {
  const o = (x: Partial<UsageOverride> & { match: UsageOverride["match"] }): UsageOverride => x;

  it("run/exitCode of the first matching override win over the command", () => {
    const overrides = [o({ match: { image: "perl" }, runMs: 65_000 }), o({ match: { image: "perl" }, runMs: 1 })];
    const pi = { image: "perl:5.34.0", command: ["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"] };
    expect(exitPlan(pi, overrides)).toEqual({ afterMs: 65_000, exitCode: 0 });
    expect(exitPlan({ image: "myorg/batch:2" }, [o({ match: { workload: "report" }, runMs: 90_000, exitCode: 2 })])).toBeUndefined();
    expect(exitPlan({ image: "myorg/batch:2", podName: "report-x7k2p" }, [o({ match: { workload: "report" }, runMs: 90_000, exitCode: 2 })])).toEqual({
      afterMs: 90_000,
      exitCode: 2,
    });
  });

  it("exitCode alone changes a recognised command's code; first match wins even without run", () => {
    expect(exitPlan(busybox(["sleep", "30"]), [o({ match: { image: "busybox" }, exitCode: 1 })])).toEqual({ afterMs: 30_000, exitCode: 1 });
    expect(exitPlan({ image: "nginx" }, [o({ match: { image: "nginx" }, exitCode: 1 })])).toBeUndefined();
    // the first matching entry (a CPU override) hides a later run
    expect(exitPlan(busybox(["sleep", "30"]), [o({ match: { image: "busybox" }, cpuMilli: 100 }), o({ match: { image: "busybox" }, runMs: 5 })])).toEqual({
      afterMs: 30_000,
      exitCode: 0,
    });
  });
});
