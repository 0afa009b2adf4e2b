/**
 * What the compiler says to a merchant who leaves out the key mode (issue 22 item 4): the error
 * must name both modes, not only `platformCertificates`. Compiles a snippet with the repository's
 * own compiler options and reads the diagnostic.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');

/** The diagnostics of each source, compiled together (one program) as files of this test folder. */
function diagnosticsOf(sources: readonly string[]): string[][] {
  const configPath = join(root, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, ts.sys.readFile.bind(ts.sys));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const files = new Map(sources.map((source, index) => [join(here, `__key_mode_${index}__.ts`), source]));
  const host = ts.createCompilerHost(parsed.options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (name) => files.get(name) ?? readFile(name);
  host.fileExists = (name) => files.has(name) || fileExists(name);
  host.getSourceFile = (name, version, onError, create) => {
    const source = files.get(name);
    return source === undefined
      ? getSourceFile(name, version, onError, create)
      : ts.createSourceFile(name, source, ts.ScriptTarget.Latest, true);
  };
  const program = ts.createProgram([...files.keys()], { ...parsed.options, noEmit: true }, host);
  return [...files.keys()].map((file) =>
    ts
      .getPreEmitDiagnostics(program, program.getSourceFile(file))
      .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')),
  );
}

const PRELUDE = `
  import { wechatpay } from '@hutong/adapter-wechatpay';
  declare const merchant: { mchId: string; privateKey: string; merchantSerialNo: string; apiV3Key: string };
`;

describe('the compile error of options without a key mode', () => {
  it('names both key modes (wechatpayPublicKey with wechatpayPublicKeyId, or platformCertificates); a half public-key mode names its missing half', () => {
    const [noKey, halfKey] = diagnosticsOf([
      `${PRELUDE} wechatpay({ ...merchant, appId: 'wxd678efh567hg6787' });`,
      `${PRELUDE} wechatpay({ ...merchant, appId: 'wxd678efh567hg6787', wechatpayPublicKey: 'pem' });`,
    ]);
    expect(noKey).toHaveLength(1);
    expect(noKey?.[0]).toMatch(
      /Property '+wechatpayPublicKey \+ wechatpayPublicKeyId, or platformCertificates'+ is missing/,
    );
    expect(halfKey).toHaveLength(1);
    expect(halfKey?.[0]).toContain("Property 'wechatpayPublicKeyId' is missing");
  }, 90_000);
});
