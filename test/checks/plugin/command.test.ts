import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  buildArgv,
  expandMacros,
  type MacroContext,
  splitCommand,
} from '../../../src/checks/plugin/command.ts';

const context: MacroContext = {
  hostName: 'web1',
  hostDisplayName: 'Web server 1',
  hostAddress: '10.0.0.1',
  serviceDescription: 'HTTP',
  serviceDisplayName: 'HTTP front page',
  args: ['-w 80', '; rm -rf /', ''],
  userMacros: { USER1: '/usr/lib/nagios/plugins', $USER2$: 'secret' },
  hostVars: { snmp_community: 'public', _RACK: 'r12' },
  serviceVars: { URL: '/health check' },
};

const words = (command: string) => {
  const r = splitCommand(command);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.words.map((w) => w.text);
};

describe('splitCommand', () => {
  it('splits on whitespace and honours quotes and backslashes like sh', () => {
    assert.deepEqual(words('  a  b\tc '), ['a', 'b', 'c']);
    assert.deepEqual(words(`a 'b c' "d e" f\\ g`), ['a', 'b c', 'd e', 'f g']);
    assert.deepEqual(words(`'it''s' "say \\"hi\\" \\n" x"y"'z'`), ['its', 'say "hi" \\n', 'xyz']);
    assert.deepEqual(words(`'' ""`), ['', '']);
    assert.deepEqual(words(`'$ARG1$' "a\\$b"`), ['$ARG1$', 'a$b']);
  });

  it('reports unterminated quotes', () => {
    assert.equal(splitCommand(`a 'b`).ok, false);
    assert.equal(splitCommand(`a "b`).ok, false);
    assert.equal(splitCommand('a \\').ok, false);
  });

  it('never throws', () => {
    fc.assert(fc.property(fc.string(), (s) => void splitCommand(s)));
  });
});

describe('expandMacros', () => {
  it('expands host, service, argument, user and custom macros', () => {
    const r = expandMacros(
      '$USER1$/check_x $HOSTADDRESS$ $HOSTNAME$ $HOSTDISPLAYNAME$ $SERVICEDESC$ $SERVICEDISPLAYNAME$ $ARG1$ $USER2$ $_HOSTSNMP_COMMUNITY$ $_HOSTrack$ $_SERVICEURL$ $$5',
      context,
    );
    assert.equal(
      r.text,
      '/usr/lib/nagios/plugins/check_x 10.0.0.1 web1 Web server 1 HTTP HTTP front page -w 80 secret public r12 /health check $5',
    );
    assert.deepEqual(r.unknownMacros, []);
  });

  it('leaves unknown macros as written and reports them; missing $ARGn$ is empty', () => {
    const r = expandMacros('$FOO$ $ARG9$ $_HOSTNOPE$ $HOME cost $$', context);
    assert.equal(r.text, '$FOO$  $_HOSTNOPE$ $HOME cost $');
    assert.deepEqual(r.unknownMacros, ['FOO', '_HOSTNOPE']);
  });
});

describe('buildArgv', () => {
  it('keeps a macro value with spaces or shell characters as one argument', () => {
    const r = buildArgv('$USER1$/check_http -H $HOSTADDRESS$ -u $_SERVICEURL$ $ARG2$', context);
    assert.deepEqual(r, {
      ok: true,
      argv: ['/usr/lib/nagios/plugins/check_http', '-H', '10.0.0.1', '-u', '/health check', '; rm -rf /'],
      unknownMacros: [],
    });
  });

  it('drops unquoted words that expand to nothing but keeps quoted ones', () => {
    const r = buildArgv(`check_x $ARG3$ '$ARG3$' $ARG7$`, context);
    assert.ok(r.ok);
    assert.deepEqual(r.argv, ['check_x', '']);
  });

  it('expands each element of an argv command', () => {
    const r = buildArgv(['$USER1$/check_ping', '-H', '$HOSTADDRESS$', '$ARG1$'], context);
    assert.ok(r.ok);
    assert.deepEqual(r.argv, ['/usr/lib/nagios/plugins/check_ping', '-H', '10.0.0.1', '-w 80']);
  });

  it('runs the expanded string with /bin/sh -c in shell mode', () => {
    const r = buildArgv('echo $HOSTNAME$ | tr a-z A-Z', context, true);
    assert.ok(r.ok);
    assert.deepEqual(r.argv, ['/bin/sh', '-c', 'echo web1 | tr a-z A-Z']);
  });

  it('reports empty commands and bad quoting', () => {
    assert.equal(buildArgv('$ARG3$', context).ok, false);
    assert.equal(buildArgv([''], context).ok, false);
    const bad = buildArgv(`check 'x`, context);
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? '' : bad.error, /unterminated single quote/);
  });
});
