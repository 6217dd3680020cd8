#!/usr/bin/env python3
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

"""Write this project's options into Glance's and Cinder's config files.

    accel_conf.py glance FILE   README.rst's glance-image-import.conf
                                snippet into FILE
    accel_conf.py cinder FILE   the contrib/cinder options into FILE
                                (cinder.conf)

The one writer both deployments use: tools/cloud/glance.sh and
tools/cloud/cinder.sh (the whole cloud) and devstack/plugin.sh (devstack's
``stack post-config``), so the configuration tested here is the one
devstack writes.

Invariants:
- The Glance options are README.rst's snippet, read at run time: the
  README operators follow is what runs.
- FILE is changed the way devstack's ``iniset`` changes it: each option is
  set in place when present, added to its section (created at the end when
  missing) otherwise; every other line is kept.  Comments written above an
  option or section in the snippet come along when it is added.
- Standard library only: any python3 on the host runs it.
"""

import argparse
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README_ANCHOR = 'list the plugins in ``glance-image-import.conf``'

# cinder.conf [DEFAULT], with contrib/cinder's patch applied: compressed
# uploads are allowed, as gzip (what Cinder reads back), and compressed by
# Glance's accel_compress instead of on the volume host.
CINDER_SETTINGS = [
    ('DEFAULT', 'allow_compression_on_image_upload', 'True', []),
    ('DEFAULT', 'compression_format', 'gzip', []),
    ('DEFAULT', 'offload_image_compression_to_glance', 'True', []),
]
# With --decompression (contrib/cinder 0003): cinder-volume decompresses a
# compressed image with this package's engines, bounded by the volume size.
CINDER_DECOMPRESSION = [
    ('DEFAULT', 'accel_import_image_decompression', 'True', []),
]

SECTION = re.compile(r'^\s*\[([^\]]+)\]\s*$')
OPTION = re.compile(r'^\s*([^#;=\s][^=]*?)\s*=\s*(.*?)\s*$')


def readme_snippet(readme):
    """The literal block after README_ANCHOR, unindented."""
    with open(readme) as f:
        lines = f.read().splitlines()
    start = next((i for i, line in enumerate(lines)
                  if README_ANCHOR in line), None)
    if start is None:
        raise ValueError('%s has no glance-image-import.conf snippet' % readme)
    start = next(i for i in range(start, len(lines))
                 if lines[i].rstrip().endswith('::')) + 1
    block = []
    for line in lines[start:]:
        if line.strip() and not line[0].isspace():
            break
        block.append(line[4:] if line.startswith('    ') else line.strip())
    return block


def parse(lines):
    """(section, option, value, comments) per option, plus each section's
    own leading comments: {section: [comment lines]}.
    """
    settings, section_comments, comments, section = [], {}, [], None
    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith(('#', ';')):
            comments.append(stripped)
            continue
        match = SECTION.match(line)
        if match:
            section = match.group(1)
            section_comments[section] = comments
        else:
            match = OPTION.match(line)
            if not match or section is None:
                raise ValueError('not an option line: %r' % line)
            settings.append((section, match.group(1), match.group(2),
                             comments))
        comments = []
    return settings, section_comments


def bracketed(settings):
    """Glance's image_import_plugins is a bounded ListOpt: glance-api
    refuses it without brackets, so an unbracketed README value is fixed
    (with a warning) rather than written as is.
    """
    fixed = []
    for section, option, value, comments in settings:
        if option == 'image_import_plugins' and not value.startswith('['):
            print('warning: README.rst lists image_import_plugins without '
                  'brackets; writing [%s]' % value, file=sys.stderr)
            value = '[%s]' % value
        fixed.append((section, option, value, comments))
    return fixed


def _section_end(lines, start):
    """Index after the last non-blank line of the section at ``start``."""
    end = start + 1
    for i in range(start + 1, len(lines)):
        if SECTION.match(lines[i]):
            break
        if lines[i].strip():
            end = i + 1
    return end


def _line(option, value):
    return ('%s = %s' % (option, value)).rstrip()


def set_option(lines, section, option, value, comments=(),
               section_comments=()):
    """devstack's ``iniset`` on a list of lines, in place."""
    header = next((i for i, line in enumerate(lines)
                   if (SECTION.match(line) or [None, None])[1] == section),
                  None)
    if header is None:
        if lines and lines[-1].strip():
            lines.append('')
        lines.extend(list(section_comments) + ['[%s]' % section])
        header = len(lines) - 1
    end = _section_end(lines, header)
    for i in range(header + 1, end):
        match = OPTION.match(lines[i])
        if match and match.group(1) == option:
            lines[i] = _line(option, value)
            return
    lines[end:end] = list(comments) + [_line(option, value)]


def apply(path, settings, section_comments=None):
    lines = []
    if os.path.exists(path):
        with open(path) as f:
            lines = f.read().splitlines()
    for section, option, value, comments in settings:
        set_option(lines, section, option, value, comments,
                   (section_comments or {}).get(section, ()))
    tmp = path + '.accel-conf.tmp'
    with open(tmp, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    os.replace(tmp, path)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0])
    parser.add_argument('service', choices=('glance', 'cinder'))
    parser.add_argument('file', help='the config file to write (created '
                        'when missing)')
    parser.add_argument('--readme', default=os.path.join(REPO, 'README.rst'))
    parser.add_argument('--decompression', action='store_true',
                        help='cinder: also accel_import_image_decompression '
                             '(contrib/cinder 0003)')
    args = parser.parse_args(argv)
    try:
        if args.service == 'glance':
            settings, section_comments = parse(readme_snippet(args.readme))
            if not any(s[0] == 'image_import_opts' for s in settings):
                raise ValueError('%s: the snippet has no [image_import_opts]'
                                 % args.readme)
            apply(args.file, bracketed(settings), section_comments)
        else:
            apply(args.file, CINDER_SETTINGS + (
                CINDER_DECOMPRESSION if args.decompression else []))
    except (OSError, ValueError) as e:
        print('accel_conf.py: error: %s' % e, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
