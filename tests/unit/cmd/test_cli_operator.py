# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""The command as an operator meets it in the first hour.

Each test runs the real command in a process and checks what the operator
sees (one line, the exit code) and what is left on disk: the source intact,
no partial output, whatever went wrong.
"""

import gzip
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import fixtures
import testtools

from glance_accel_import.cmd import cli
from glance_accel_import import opts
from tests import paths
from tests.unit.cmd.test_cli import run_cli
from tests.unit import data


def _one_error_line(test, result, code, *expected):
    test.assertEqual(code, result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    test.assertEqual(1, len(lines), result.stderr)
    test.assertNotIn('Traceback', result.stderr)
    for text in expected:
        test.assertIn(text, lines[0])
    return lines[0]


def _as_from_a_shell():
    """Signals as an interactive shell leaves them: the test runner may
    ignore or block SIGINT and SIGTERM, and a child inherits both.
    """
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK,
                           [signal.SIGINT, signal.SIGTERM])


class _FilesTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir())
        self.src = self.tmp.join('disk.raw')
        self.plain = data.real_bytes(1024 * 1024) + bytes(512 * 1024)
        self.write(self.src, self.plain)

    def write(self, path, payload):
        with open(path, 'wb') as f:
            f.write(payload)

    def read(self, path):
        with open(path, 'rb') as f:
            return f.read()

    def listing(self, directory=None):
        return sorted(os.listdir(directory or self.tmp.path))


class SourceNeverDestroyedTest(_FilesTest):

    def assert_source_intact(self):
        self.assertEqual(self.plain, self.read(self.src))

    def test_same_file_refused(self):
        result = run_cli('compress', self.src, self.src)
        _one_error_line(self, result, 2, 'same file')
        self.assert_source_intact()

    def test_same_file_refused_even_with_force(self):
        result = run_cli('compress', self.src, self.src, '--force')
        _one_error_line(self, result, 2, 'same file')
        self.assert_source_intact()

    def test_same_file_through_a_symlink(self):
        link = self.tmp.join('link.raw')
        os.symlink(self.src, link)
        result = run_cli('compress', self.src, link, '--force')
        _one_error_line(self, result, 2, 'same file')
        self.assert_source_intact()

    def test_same_file_through_a_hard_link(self):
        link = self.tmp.join('hard.raw')
        os.link(self.src, link)
        result = run_cli('compress', link, self.src, '--force')
        _one_error_line(self, result, 2, 'same file')
        self.assert_source_intact()

    def test_decompress_onto_its_source_refused(self):
        packed = self.tmp.join('disk.gz')
        self.write(packed, gzip.compress(self.plain))
        before = self.read(packed)
        result = run_cli('decompress', packed, packed, '--force')
        _one_error_line(self, result, 2, 'same file')
        self.assertEqual(before, self.read(packed))

    def test_existing_destination_needs_force(self):
        dst = self.tmp.join('old.gz')
        self.write(dst, b'precious')
        result = run_cli('compress', self.src, dst)
        _one_error_line(self, result, 2, 'exists', '--force')
        self.assertEqual(b'precious', self.read(dst))
        result = run_cli('compress', self.src, dst, '--force')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual(self.plain, gzip.decompress(self.read(dst)))
        self.assertEqual(['disk.raw', 'old.gz'], self.listing())

    def test_decompress_existing_destination_needs_force(self):
        packed, dst = self.tmp.join('disk.gz'), self.tmp.join('out.raw')
        self.write(packed, gzip.compress(self.plain))
        self.write(dst, b'precious')
        result = run_cli('decompress', packed, dst)
        _one_error_line(self, result, 2, 'exists', '--force')
        self.assertEqual(b'precious', self.read(dst))


class NoLeftoversTest(_FilesTest):

    def test_destination_is_a_directory(self):
        target = self.tmp.join('dir')
        os.mkdir(target)
        result = run_cli('compress', self.src, target)
        _one_error_line(self, result, 2, 'is a directory')
        self.assertEqual(['dir', 'disk.raw'], self.listing())
        self.assertEqual([], self.listing(target))

    def test_destination_directory_missing(self):
        result = run_cli('compress', self.src,
                         self.tmp.join('nowhere', 'out.gz'))
        _one_error_line(self, result, 2, 'does not exist')
        self.assertEqual(['disk.raw'], self.listing())

    def test_disk_full(self):
        if os.geteuid() != 0:
            self.skipTest('mounting a small tmpfs needs root')
        mount = self.tmp.join('small')
        os.mkdir(mount)
        proc = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=256k',
                               'tmpfs', mount], capture_output=True)
        if proc.returncode:
            self.skipTest('cannot mount tmpfs here: %s'
                          % proc.stderr.decode().strip())
        self.addCleanup(subprocess.run, ['umount', mount])
        noise = self.tmp.join('noise.raw')
        self.write(noise, os.urandom(2 * 1024 * 1024))
        result = run_cli('compress', noise, os.path.join(mount, 'out.gz'))
        _one_error_line(self, result, 1, 'No space left')
        self.assertEqual([], self.listing(mount))

    def _interrupted(self, signum):
        """Start a compress that reads a pipe, signal it mid-job."""
        fifo = self.tmp.join('volume.fifo')
        os.mkfifo(fifo)
        out_dir = self.tmp.join('out')
        os.mkdir(out_dir)
        env = dict(os.environ, OS_GLANCE_CONFIG_DIR='/nonexistent')
        proc = subprocess.Popen(
            [sys.executable, '-m', 'glance_accel_import.cmd.cli',
             'compress', fifo, os.path.join(out_dir, 'out.gz')],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env, preexec_fn=_as_from_a_shell)
        self.addCleanup(proc.kill)
        with open(fifo, 'wb') as writer:
            writer.write(self.plain)
            writer.flush()
            deadline = time.monotonic() + 60
            while not self.listing(out_dir):
                self.assertLess(time.monotonic(), deadline,
                                'the job never started writing')
                time.sleep(0.05)
            proc.send_signal(signum)
        # The kernel may hand the signal to a worker thread while the main
        # thread waits for the pipe; Python acts on it once that read
        # returns, which the end of the pipe makes happen.
        stdout, stderr = proc.communicate(timeout=60)
        return proc.returncode, stderr, self.listing(out_dir)

    def test_sigint_mid_job(self):
        code, stderr, left = self._interrupted(signal.SIGINT)
        self.assertEqual(130, code, stderr)
        self.assertIn('interrupted', stderr)
        self.assertEqual([], left)

    def test_sigterm_mid_job(self):
        code, stderr, left = self._interrupted(signal.SIGTERM)
        self.assertEqual(128 + signal.SIGTERM, code, stderr)
        self.assertIn('terminated', stderr)
        self.assertEqual([], left)


class BadOptionValuesTest(_FilesTest):

    BAD = {
        'fallback_policy = bogus': ('accel_import', "'bogus'",
                                    'one of prefer_hardware'),
        'threads = abc': ('accel_import', "'abc'", 'an integer from 0'),
        'chunk_size = 5': ('accel_import', "'5'", 'from 65536'),
        'level = 12': ('accel_compress', "'12'", 'from 1 to 9'),
        'enabled = maybe': ('accel_decompress', "'maybe'", 'true or false'),
    }

    def conf_with(self, line, group):
        path = self.tmp.join('bad.conf')
        with open(path, 'w') as f:
            f.write('[%s]\n%s\n' % (group, line))
        return path

    def test_each_bad_value_is_one_line_for_every_command(self):
        packed = self.tmp.join('disk.gz')
        self.write(packed, gzip.compress(self.plain))
        commands = (['engines'], ['engines', '--self-test'],
                    ['compress', self.src, self.tmp.join('o.gz')],
                    ['decompress', packed, self.tmp.join('o.raw')],
                    ['digest', self.src])
        for line, (group, value, allowed) in self.BAD.items():
            path = self.conf_with(line, group)
            option = line.split(' = ')[0]
            for command in commands:
                result = run_cli('--config-file', path, *command)
                _one_error_line(self, result, 2, path,
                                '[%s] %s' % (group, option), value, allowed)
        self.assertNotIn('o.gz', self.listing())

    def test_glance_config_dir_is_checked_too(self):
        conf_dir = self.tmp.join('glance')
        os.mkdir(conf_dir)
        path = os.path.join(conf_dir, 'glance-image-import.conf')
        with open(path, 'w') as f:
            f.write('[accel_import]\nfallback_policy = bogus\n')
        result = run_cli('engines', env={'OS_GLANCE_CONFIG_DIR': conf_dir})
        _one_error_line(self, result, 2, path, 'fallback_policy')

    def test_config_dir_argument(self):
        conf_dir = self.tmp.join('conf.d')
        os.mkdir(conf_dir)
        path = os.path.join(conf_dir, '50-accel.conf')
        with open(path, 'w') as f:
            f.write('[accel_compress]\nlevel = 0\n')
        result = run_cli('--config-dir', conf_dir, 'engines')
        _one_error_line(self, result, 2, path, '[accel_compress] level')

    def _crashing(self, *extra):
        """Run ``digest`` with its digest function replaced by one that
        breaks, as an unforeseen bug would.
        """
        script = textwrap.dedent('''
            import sys
            from glance_accel_import import streams
            from glance_accel_import.cmd import cli
            def broken(*args, **kwargs):
                raise RuntimeError('something nobody foresaw')
            streams.digest_file = broken
            sys.exit(cli.main(sys.argv[1:]))
        ''')
        env = dict(os.environ, OS_GLANCE_CONFIG_DIR='/nonexistent')
        return subprocess.run(
            [sys.executable, '-c', script] + list(extra) + ['digest',
                                                            self.src],
            capture_output=True, text=True, env=env)

    def test_unexpected_error_is_one_line_pointing_to_debug(self):
        result = self._crashing()
        _one_error_line(self, result, 1, 'something nobody foresaw',
                        'run with --debug for details')

    def test_debug_shows_the_traceback(self):
        result = self._crashing('--debug')
        self.assertEqual(1, result.returncode)
        self.assertIn('Traceback', result.stderr)
        self.assertIn('RuntimeError: something nobody foresaw',
                      result.stderr)


class EnginesChecksTheConfigurationTest(_FilesTest):

    def engines(self, text, *extra):
        path = self.tmp.join('glance-image-import.conf')
        with open(path, 'w') as f:
            f.write(text)
        return run_cli('--config-file', path, 'engines', *extra)

    def test_defaults_say_which_engine_does_each_job(self):
        result = self.engines('')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertRegex(result.stdout, r'compress +gzip +-> isal +'
                                        r'\[accel_compress stores')
        self.assertRegex(result.stdout, r'compress +zstd +-> zstd')
        for fmt in ('gzip', 'bzip2', 'xz', 'zstd'):
            self.assertRegex(result.stdout, r'decompress +%s +-> \w+' % fmt)
        self.assertIn('fallback_policy prefer_hardware', result.stdout)

    def test_engine_order_is_followed_and_explained(self):
        result = self.engines('[accel_import]\nengine_order = stdlib,isal\n',
                              '--json')
        self.assertEqual(0, result.returncode, result.stderr)
        report = json.loads(result.stdout)
        choices = {(c['operation'], c['fmt']): c for c in report['choices']}
        self.assertEqual('stdlib', choices[('compress', 'gzip')]['engine'])
        self.assertIn('engine_order stdlib,isal',
                      choices[('compress', 'gzip')]['why'])
        self.assertIsNone(choices[('compress', 'zstd')]['engine'])
        self.assertEqual([], report['problems'])

    def test_unknown_engine_name_is_an_error(self):
        result = self.engines('[accel_import]\nengine_order = nosuch\n')
        self.assertEqual(1, result.returncode)
        self.assertIn('engine_order names nosuch, which is not installed',
                      result.stderr)
        self.assertIn('no engine may compress gzip', result.stderr)
        self.assertRegex(result.stdout, r'compress +gzip +-> none')

    def test_hardware_only_without_hardware_is_an_error(self):
        result = self.engines('[accel_import]\n'
                              'fallback_policy = hardware_only\n'
                              '[accel_qat]\nsysfs_root = %s\n'
                              % self.tmp.join('no-sysfs'))
        self.assertEqual(1, result.returncode, result.stdout)
        self.assertIn('no engine may compress gzip', result.stderr)
        self.assertIn('every import of a compressed image would fail',
                      result.stderr)


class SameFilesAsGlanceTest(_FilesTest):
    """The command reads exactly what glance-api reads."""

    def write_glance_dir(self):
        conf_dir = self.tmp.join('etc-glance')
        os.mkdir(conf_dir)
        with open(os.path.join(conf_dir, 'glance-image-import.conf'),
                  'w') as f:
            f.write('[accel_compress]\nformat = zstd\n')
        with open(os.path.join(conf_dir, 'glance-api.conf'), 'w') as f:
            f.write('[accel_compress]\nformat = gzip\n')
        return conf_dir

    def glance_reads(self, conf_dir):
        """The value glance-api's own loader gives, in a fresh process."""
        script = textwrap.dedent('''
            from oslo_config import cfg
            from glance.common import wsgi_app
            from glance_accel_import import opts
            conf = cfg.ConfigOpts()
            opts.register_opts(conf)
            conf([], project='glance', prog='glance-api',
                 default_config_files=wsgi_app._get_config_files())
            print(conf.accel_compress.format)
        ''')
        proc = subprocess.run(
            [sys.executable, '-c', script], capture_output=True, text=True,
            env=dict(os.environ, OS_GLANCE_CONFIG_DIR=conf_dir), check=True)
        return proc.stdout.strip()

    def test_glance_api_conf_wins_as_in_glance(self):
        conf_dir = self.write_glance_dir()
        result = run_cli('engines', '--json',
                         env={'OS_GLANCE_CONFIG_DIR': conf_dir})
        self.assertEqual(0, result.returncode, result.stderr)
        report = json.loads(result.stdout)
        self.assertEqual(self.glance_reads(conf_dir),
                         report['accel_compress_format'])
        self.assertEqual('gzip', report['accel_compress_format'])
        self.assertEqual([os.path.join(conf_dir, name) for name in
                          ('glance-image-import.conf', 'glance-api.conf')],
                         report['config_files'])


class InstallingTest(testtools.TestCase):

    def test_demo_names_its_missing_extra(self):
        script = textwrap.dedent('''
            import sys
            sys.modules['gunicorn'] = None  # as if never installed
            from glance_accel_import.cmd import cli
            sys.exit(cli.main(['demo']))
        ''')
        result = subprocess.run([sys.executable, '-c', script],
                                capture_output=True, text=True,
                                env=dict(os.environ,
                                         OS_GLANCE_CONFIG_DIR='/none'))
        _one_error_line(self, result, 2, '"demo" extra', 'gunicorn',
                        'glance-accel-import[demo]')

    def test_extras_are_declared(self):
        from importlib import metadata
        extras = metadata.metadata('glance-accel-import').get_all(
            'Provides-Extra')
        self.assertIn('demo', extras)
        self.assertIn('bench', extras)
        requires = metadata.requires('glance-accel-import')
        for module in cli.EXTRAS['demo']:
            self.assertTrue(
                any(module.replace('client', '') in r.replace('-', '')
                    and 'extra == "demo"' in r for r in requires),
                '%s is not in the demo extra: %s' % (module, requires))

    def test_runtime_requirements_are_what_the_runtime_imports(self):
        # Import names of requirements.txt entries (pbr only builds).
        import_names = {'oslo.config': 'oslo_config', 'oslo.log': 'oslo_log',
                        'oslo.utils': 'oslo_utils'}
        with open(os.path.join(paths.REPO, 'requirements.txt')) as f:
            names = [line.split('>')[0].split('=')[0].strip()
                     for line in f if line.strip()
                     and not line.startswith('#')]
        sources = []
        package = os.path.join(paths.REPO, 'glance_accel_import')
        for directory, _, files in os.walk(package):
            sources += [os.path.join(directory, n) for n in files
                        if n.endswith('.py')]
        text = ''.join(open(p).read() for p in sources)
        for name in names:
            if name == 'pbr':
                continue
            module = import_names.get(name, name.replace('-', '_'))
            self.assertRegex(text, r'(import|from) %s\b' % module,
                             '%s is a runtime requirement that nothing '
                             'imports' % name)


class SmallThingsTest(_FilesTest):

    def test_digest_none_is_refused(self):
        result = run_cli('digest', self.src, '--digest', 'none')
        self.assertEqual(2, result.returncode)
        self.assertIn("invalid choice: 'none'", result.stderr)
        self.assertEqual('', result.stdout)

    def test_decompress_reports_output_throughput(self):
        packed = self.tmp.join('disk.gz')
        self.write(packed, gzip.compress(self.plain))
        result = run_cli('decompress', packed, self.tmp.join('out.raw'))
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertRegex(result.stdout, r'MB/s out\)')

    def test_version(self):
        result = run_cli('--version')
        self.assertEqual(0, result.returncode)
        self.assertRegex(result.stdout, r'^glance-accel-import \d')

    def test_every_argument_has_help(self):
        parser = cli.build_parser()
        parsers = [parser]
        for action in parser._actions:
            if hasattr(action, 'choices') and isinstance(action.choices,
                                                         dict):
                parsers += list(action.choices.values())
        for p in parsers:
            for action in p._actions:
                if action.dest in ('help', 'command'):
                    continue
                self.assertTrue(action.help, '%s %s has no help text'
                                % (p.prog, action.dest))

    def test_chunk_size_out_of_range_is_refused(self):
        result = run_cli('compress', self.src, self.tmp.join('o.gz'),
                         '--chunk-size', '5')
        self.assertEqual(2, result.returncode)
        self.assertIn('must be from %d' % opts.CHUNK_SIZE_RANGE[0],
                      result.stderr)
