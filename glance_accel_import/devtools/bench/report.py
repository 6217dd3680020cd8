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

"""The benchmark's results as a Markdown table, target checks and a chart."""

import dataclasses

from oslo_utils import units

RSS_LIMIT = 256 * units.Mi


def _find(results, tool, operation, volume):
    for m in results:
        if (m.tool, m.operation, m.volume) == (tool, operation, volume):
            return m
    return None


def table(results, default_tool):
    """Every measurement, with time and size ratios against our default."""
    lines = [
        '| operation | volume | tool | wall s | CPU s | plain MB/s apparent | '
        'plain MB/s allocated | output MiB | output allocated MiB | '
        'peak RSS MiB '
        '| peer time / ours | ours size / peer |',
        '|' + '---|' * 12,
    ]
    for m in results:
        ours = _find(results, default_tool, m.operation, m.volume)
        if ours is None and m.operation == 'read':
            ours = _find(results, default_tool, 'compress', m.volume)
        time_ratio = size_ratio = ''
        if ours is not None and m is not ours:
            time_ratio = '%.2fx' % (m.wall / ours.wall)
            if m.operation == 'compress' and m.output_size:
                size_ratio = '%.3f' % (ours.output_size / m.output_size)
        lines.append('| %s | %s | %s | %.2f | %.2f | %.0f | %.0f | %.1f | '
                     '%.1f | %.0f | %s | %s |' % (
                         m.operation, m.volume, m.tool, m.wall, m.cpu,
                         m.mb_s_apparent, m.mb_s_allocated,
                         m.output_size / units.Mi,
                         m.output_allocated / units.Mi,
                         m.peak_rss / units.Mi, time_ratio, size_ratio))
    return '\n'.join(lines)


@dataclasses.dataclass(frozen=True)
class Target:
    text: str
    measured: str
    met: bool


def targets(results, default_tool, volume='dense', with_decompress=True):
    """Check the issue's targets for ``default_tool``."""
    out = []

    def get(tool, operation='compress', vol=volume):
        return _find(results, tool, operation, vol)

    ours = get(default_tool)
    if ours is None:
        return out
    gz, qz = get('gzip -6'), get('qemu-img qcow2 zlib')
    ig = get('igzip -1')
    who = '' if with_decompress else ' (%s)' % default_tool
    if gz:
        speed = gz.wall / ours.wall
        size = ours.output_size / gz.output_size
        out.append(Target('compress %s: >= 15x faster than gzip -6' % volume,
                          '%.1fx' % speed, speed >= 15))
        out.append(Target('compress %s: output <= 1.15x gzip -6' % volume,
                          '%.3fx' % size, size <= 1.15))
    if qz:
        speed = qz.wall / ours.wall
        size = ours.output_size / qz.output_size
        out.append(Target('compress %s: >= 10x faster than qemu-img qcow2 '
                          'zlib' % volume, '%.1fx' % speed, speed >= 10))
        out.append(Target('compress %s: output <= 1.05x qemu-img qcow2 zlib'
                          % volume, '%.3fx' % size, size <= 1.05))
    if ig:
        ratio = ours.wall / ig.wall
        out.append(Target('compress %s: time <= 1.3x igzip -1' % volume,
                          '%.2fx' % ratio, ratio <= 1.3))
    small, large = get(default_tool, vol='sparse'), get(default_tool,
                                                        vol='large')
    if small and large:
        ratio = large.wall / small.wall
        out.append(Target('compress: 4x larger volume, same data: <= 1.2x '
                          'the time', '%.2fx' % ratio, ratio <= 1.2))
    if not with_decompress:
        return [dataclasses.replace(t, text=t.text + who) for t in out
                if 'output <=' not in t.text]
    ours_d = get(default_tool, 'decompress')
    glance = get('glance copyfileobj', 'decompress')
    if ours_d and glance:
        speed = glance.wall / ours_d.wall
        out.append(Target('decompress: >= 3x faster than stdlib gzip '
                          'copyfileobj', '%.1fx' % speed, speed >= 3))
        sparse = ours_d.output_allocated < ours_d.output_size / 2
        out.append(Target('decompress: output sparse', '%.0f of %.0f MiB '
                          'allocated' % (
                              ours_d.output_allocated / units.Mi,
                              ours_d.output_size / units.Mi), sparse))
    peak = max(m.peak_rss for m in results if m.tool.startswith('ours'))
    out.append(Target('peak RSS of our compress/decompress < 256 MiB',
                      '%.0f MiB' % (peak / units.Mi), peak < RSS_LIMIT))
    return out


def targets_table(checks):
    lines = ['| target | measured | met |', '|---|---|---|']
    lines += ['| %s | %s | %s |' % (t.text, t.measured,
                                    'yes' if t.met else 'NO')
              for t in checks]
    return '\n'.join(lines)


def chart(results, path, title):
    """Wall time of every tool, per operation and volume (PNG)."""
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib import pyplot

    groups = []
    for m in results:
        key = (m.operation if m.operation != 'read' else 'compress',
               m.volume)
        if key not in groups:
            groups.append(key)
    fig, axes = pyplot.subplots(len(groups), 1, figsize=(9, 2.2 + 0.42 * len(
        results)), squeeze=False)
    for ax, (operation, volume) in zip(axes[:, 0], groups):
        rows = [m for m in results if m.volume == volume and (
            m.operation == operation or (operation == 'compress'
                                         and m.operation == 'read'))]
        rows.sort(key=lambda m: m.wall)
        names = [m.tool for m in rows]
        colors = ['tab:green' if n.startswith('ours') else 'tab:gray'
                  for n in names]
        bars = ax.barh(names, [m.wall for m in rows], color=colors)
        ax.bar_label(bars, labels=['%.1fs' % m.wall for m in rows],
                     padding=3, fontsize=8)
        ax.set_xscale('log')
        ax.set_title('%s, %s volume (wall seconds, log scale)'
                     % (operation, volume), fontsize=10)
        ax.tick_params(labelsize=8)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    pyplot.close(fig)
