// deploy/kubernetes/*.yaml: every document valid against the Kubernetes API
// schemas of kubernetes-models (pinned; its 5.x schemas are Kubernetes 1.36),
// offline, and the settings that make comet-tail safe and observable present.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { parseAllDocuments } from 'yaml';

const DIR = path.resolve(import.meta.dirname, '../../deploy/kubernetes');

/** The kinds the manifests may use, each with its schema-validating model. */
const MODELS = { Namespace, Secret, Service, Deployment, DaemonSet, Ingress };
type Kind = keyof typeof MODELS;
type Doc = InstanceType<(typeof MODELS)[Kind]>;

async function loadAll(): Promise<Map<string, Doc[]>> {
  const files = (await readdir(DIR)).filter((f) => f.endsWith('.yaml')).sort();
  const out = new Map<string, Doc[]>();
  for (const file of files) {
    const docs: Doc[] = [];
    for (const d of parseAllDocuments(await readFile(path.join(DIR, file), 'utf8'))) {
      assert.deepEqual(d.errors, [], `${file}: YAML errors`);
      const raw: unknown = d.toJS();
      assert.ok(
        raw !== null && typeof raw === 'object' && 'kind' in raw && typeof raw.kind === 'string',
        `${file}: a document without kind`,
      );
      const kind = raw.kind;
      assert.ok(kind in MODELS, `${file}: kind ${kind} is not one this test validates`);
      const Model = MODELS[kind as Kind];
      assert.ok(
        Model.is(raw),
        `${file}: ${kind} with apiVersion ${'apiVersion' in raw ? String(raw.apiVersion) : '?'}`,
      );
      const model = new Model(raw as never);
      assert.doesNotThrow(() => model.validate(), `${file}: ${kind} ${model.metadata?.name} fails the schema`);
      docs.push(model);
    }
    out.set(file, docs);
  }
  return out;
}

const manifests = await loadAll();
const all = [...manifests.entries()].flatMap(([file, docs]) => docs.map((doc) => ({ file, doc })));
const workloads = all.flatMap(({ file, doc }) =>
  doc instanceof Deployment || doc instanceof DaemonSet ? [{ file, doc }] : [],
);

const envValue = (c: IContainer, name: string): string | undefined => c.env?.find((e) => e.name === name)?.value;

describe('deploy/kubernetes', () => {
  test('every file parses and every document passes the Kubernetes 1.36 schema', () => {
    assert.deepEqual([...manifests.keys()], ['daemonset.yaml', 'ingress.yaml', 'sidecar.yaml']);
    assert.ok(all.length >= 8, `${all.length} documents`);
    assert.deepEqual(
      workloads.map((w) => `${w.file} ${w.doc.kind}`),
      ['daemonset.yaml DaemonSet', 'sidecar.yaml Deployment'],
    );
  });

  for (const { file, doc } of workloads) {
    describe(`${file}: ${doc.kind} ${doc.metadata?.name}`, () => {
      const pod: IPodSpec | undefined = doc.spec?.template.spec;
      const comet = pod?.containers.find((c) => c.image?.startsWith('comet-tail:'));
      const base = comet === undefined ? '' : (envValue(comet, 'BASE_PATH') ?? '');

      test('liveness on /healthz and readiness on /readyz, under BASE_PATH, on the declared port', () => {
        assert.ok(comet, 'a comet-tail container');
        const port = comet.ports?.find((p) => p.containerPort === 9999)?.name;
        assert.ok(port, 'port 9999 is declared and named');
        assert.equal(comet.livenessProbe?.httpGet?.path, `${base}/healthz`, 'livenessProbe');
        assert.equal(comet.livenessProbe?.httpGet?.port, port);
        assert.equal(comet.readinessProbe?.httpGet?.path, `${base}/readyz`, 'readinessProbe');
        assert.equal(comet.readinessProbe?.httpGet?.port, port);
      });

      test('non-root uid 1000, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp', () => {
        assert.ok(comet && pod);
        const sc = comet.securityContext;
        const runAsNonRoot = sc?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
        assert.equal(runAsNonRoot, true, 'runAsNonRoot');
        assert.equal(sc?.runAsUser ?? pod.securityContext?.runAsUser, 1000, 'runAsUser: the image’s node user');
        assert.equal(sc?.readOnlyRootFilesystem, true, 'readOnlyRootFilesystem');
        assert.equal(sc?.allowPrivilegeEscalation, false, 'allowPrivilegeEscalation');
        assert.deepEqual(sc?.capabilities?.drop, ['ALL'], 'capabilities drop ALL');
        assert.equal(sc?.capabilities?.add, undefined, 'no capability added');
        assert.equal(
          (sc?.seccompProfile ?? pod.securityContext?.seccompProfile)?.type,
          'RuntimeDefault',
          'seccompProfile',
        );
        assert.notEqual(sc?.privileged, true);
      });

      test('resource requests and limits for cpu and memory, and MAX_STREAMS to match', () => {
        assert.ok(comet);
        for (const kind of ['requests', 'limits'] as const) {
          for (const r of ['cpu', 'memory'])
            assert.ok(comet.resources?.[kind]?.[r] !== undefined, `resources.${kind}.${r}`);
        }
        assert.ok(Number(envValue(comet, 'MAX_STREAMS')) > 0, 'MAX_STREAMS bounds what the memory limit must hold');
      });

      test('auth from a Secret defined beside it, with both keys', () => {
        assert.ok(comet);
        const secrets = (manifests.get(file) ?? []).filter((d): d is Secret => d instanceof Secret);
        for (const name of ['AUTH_USER', 'AUTH_PASSWORD']) {
          const ref = comet.env?.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
          assert.ok(ref, `${name} comes from a secretKeyRef`);
          const secret = secrets.find((s) => s.metadata?.name === ref.name);
          assert.ok(secret, `the Secret ${ref.name} is in ${file}`);
          assert.ok(ref.key in { ...secret.stringData, ...secret.data }, `the Secret ${ref.name} has ${ref.key}`);
        }
      });

      test('LOG_DIR is a read-only mount of the logs volume', () => {
        assert.ok(comet && pod);
        const mount = comet.volumeMounts?.find((m) => m.mountPath === (envValue(comet, 'LOG_DIR') ?? '/logs'));
        assert.ok(mount, 'a volume mounted at LOG_DIR');
        assert.equal(mount.readOnly, true, 'mounted read-only');
        const volume = pod.volumes?.find((v) => v.name === mount.name);
        if (doc instanceof DaemonSet) {
          assert.equal(volume?.hostPath?.path, '/var/log', "the node's /var/log");
        } else {
          assert.ok(volume?.emptyDir, 'an emptyDir shared with the app');
          const writer = pod.containers.find(
            (c) => c !== comet && c.volumeMounts?.some((m) => m.name === mount.name && m.readOnly !== true),
          );
          assert.ok(writer, 'the application writes into the same volume');
        }
      });

      test('a Service selects these pods on the named port', () => {
        const labels = doc.spec?.template.metadata?.labels ?? {};
        const services = (manifests.get(file) ?? []).filter((d): d is Service => d instanceof Service);
        const svc = services.find((s) => Object.entries(s.spec?.selector ?? {}).every(([k, v]) => labels[k] === v));
        assert.ok(svc, 'a Service whose selector matches the pod labels');
        assert.equal(svc.metadata?.namespace, doc.metadata?.namespace, 'in the same namespace');
        assert.ok(
          svc.spec?.ports?.some((p) => p.targetPort === 'http'),
          'targeting the http port',
        );
      });
    });
  }

  test('the Ingress routes BASE_PATH to the DaemonSet Service, unbuffered and with long read timeouts', () => {
    const ingress = manifests.get('ingress.yaml')?.find((d): d is Ingress => d instanceof Ingress);
    const ds = workloads.find((w) => w.doc instanceof DaemonSet)?.doc;
    const comet = ds?.spec?.template.spec?.containers.find((c) => c.image?.startsWith('comet-tail:'));
    assert.ok(ingress && comet);
    const paths = ingress.spec?.rules?.flatMap((r) => r.http?.paths ?? []) ?? [];
    assert.deepEqual(
      paths.map((p) => [p.path, p.pathType, p.backend.service?.name]),
      [[envValue(comet, 'BASE_PATH'), 'Prefix', 'comet-tail']],
    );
    const notes = ingress.metadata?.annotations ?? {};
    assert.equal(notes['nginx.ingress.kubernetes.io/proxy-buffering'], 'off');
    assert.ok(
      Number(notes['nginx.ingress.kubernetes.io/proxy-read-timeout']) >= 60,
      'read timeout above the heartbeat',
    );
  });
});
