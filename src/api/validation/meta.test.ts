import { describe, expect, it } from "vitest";
import { fieldErrorText, invalid as invalidErr } from "../errors.js";
import {
  goLabelSelector,
  goStringMap,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  regexError,
  validateLabelSelector,
  validateObjectMeta,
  nameIsDNSSubdomain,
  type Errs,
} from "./meta.js";

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

describe("apimachinery string checks", () => {
  it("RegexError puts a double space before ' or ' like upstream", () => {
    expect(regexError("m", "f", "a", "b")).toBe("m (e.g. 'a',  or 'b', regex used for validation is 'f')");
    expect(regexError("m", "f")).toBe("m (regex used for validation is 'f')");
  });
  it("DNS-1123 subdomain and label", () => {
    expect(isDNS1123Subdomain("web.example")).toEqual([]);
    expect(isDNS1123Subdomain("Web")).toEqual([SUBDOMAIN_MSG]);
    expect(isDNS1123Subdomain("a".repeat(254))).toEqual(["must be no more than 253 characters"]);
    expect(isDNS1123Label("my_name")).toEqual([LABEL_MSG]);
    expect(isDNS1123Label("a".repeat(64))).toEqual(["must be no more than 63 characters"]);
  });
  it("DNS-1035 label must start with a letter", () => {
    expect(isDNS1035Label("php-apache")).toEqual([]);
    expect(isDNS1035Label("1web")).toEqual([
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    ]);
  });
  it("qualified names and label values", () => {
    expect(isQualifiedName("app.kubernetes.io/name")).toEqual([]);
    expect(isQualifiedName("/x")).toEqual(["prefix part must be non-empty"]);
    expect(isQualifiedName("a/b/c")[0]).toMatch(/^a qualified name must consist of .* with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/);
    expect(isQualifiedName("-bad")).toEqual([
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ]);
    expect(isValidLabelValue("")).toEqual([]);
    expect(isValidLabelValue("bad value")).toHaveLength(1);
  });
  it("port names", () => {
    expect(isValidPortName("http")).toEqual([]);
    expect(isValidPortName("8080")).toEqual(["must contain at least one letter (a-z)"]);
    expect(isValidPortName("a--b")).toEqual(["must not contain consecutive hyphens"]);
  });
});

describe("Go value rendering", () => {
  it("maps sort keys and selectors look like %#v of v1.LabelSelector", () => {
    expect(goStringMap({ tier: "fe", app: "web" })).toBe('map[string]string{"app":"web", "tier":"fe"}');
    expect(goStringMap(undefined)).toBe("map[string]string(nil)");
    expect(goLabelSelector({ matchLabels: { app: "nginx" } })).toBe(
      'v1.LabelSelector{MatchLabels:map[string]string{"app":"nginx"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}',
    );
  });
});

describe("ObjectMeta and selectors", () => {
  it("name is required and checked with the kind's name function", () => {
    const errs: Errs = [];
    validateObjectMeta({ namespace: "default" }, true, nameIsDNSSubdomain, errs);
    expect(errs.map(fieldErrorText)).toEqual(["metadata.name: Required value: name or generateName is required"]);
    const e2: Errs = [];
    validateObjectMeta({ name: "Web", namespace: "default", labels: { "a b": "x" } }, true, nameIsDNSSubdomain, e2);
    expect(fieldErrorText(e2[0]!)).toBe(`metadata.name: Invalid value: "Web": ${SUBDOMAIN_MSG}`);
    expect(fieldErrorText(e2[1]!)).toMatch(/^metadata\.labels: Invalid value: "a b": name part must consist of/);
  });
  it("cluster-scoped objects may not carry a namespace", () => {
    const errs: Errs = [];
    validateObjectMeta({ name: "n1", namespace: "x" }, false, nameIsDNSSubdomain, errs);
    expect(errs.map(fieldErrorText)).toEqual(["metadata.namespace: Forbidden: not allowed on this type"]);
  });
  it("label selector requirements", () => {
    const errs: Errs = [];
    validateLabelSelector({ matchExpressions: [{ key: "app", operator: "In" }, { key: "x", operator: "Exists", values: ["a"] }, { key: "y", operator: "Foo" }] }, "spec.selector", errs);
    expect(errs.map(fieldErrorText)).toEqual([
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      'spec.selector.matchExpressions[2].operator: Invalid value: "Foo": not a valid selector operator',
    ]);
  });
  it("errors render through invalid() with kube-apiserver framing", () => {
    const errs: Errs = [];
    validateObjectMeta({ name: "Web", namespace: "default" }, true, nameIsDNSSubdomain, errs);
    expect(invalidErr("Deployment", "Web", errs).message).toBe(`Deployment.apps "Web" is invalid: metadata.name: Invalid value: "Web": ${SUBDOMAIN_MSG}`);
  });
});
