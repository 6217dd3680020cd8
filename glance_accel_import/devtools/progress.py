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

"""Show that a long step is alive: on a terminal, or in a log.

Invariants: progress goes to one stream (stderr by default) and never to
stdout, where results go. On a terminal it is redrawn in place (an elapsed
counter, or a tqdm bar) and cleared when the step ends, so only results
stay on screen. Anywhere else (CI logs, pipes) it is a plain line at most
every ``interval`` seconds plus one when something changes, so a log shows
the step is alive without filling with redraws.
"""

import sys
import threading
import time


def _is_tty(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Elapsed:
    """``with Elapsed('starting glance-api', usual=30):`` counts seconds.

    ``label`` may be changed while the step runs (a new sub-step); the
    next redraw or line shows it.
    """

    def __init__(self, label, usual=None, stream=None, interval=10.0):
        self.label = label
        self.usual = usual
        self.stream = stream or sys.stderr
        self.tty = _is_tty(self.stream)
        # A terminal gets a redraw every second, a log a line per interval.
        self.interval = 1.0 if self.tty else interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._start = None
        self.seconds = 0.0

    def __enter__(self):
        sys.stdout.flush()
        self._start = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()
        self.seconds = time.monotonic() - self._start
        if self.tty:
            self.stream.write('\r\033[K')
            self.stream.flush()

    def _text(self):
        usual = ' (usually ~%d s)' % self.usual if self.usual else ''
        seconds = time.monotonic() - self._start
        return '      %s: %d s%s' % (self.label, seconds, usual)

    def _run(self):
        while not self._stop.wait(self.interval):
            if self.tty:
                self.stream.write('\r\033[K' + self._text())
            else:
                self.stream.write(self._text() + ' so far\n')
            self.stream.flush()


class Bar:
    """A bar of ``total`` units: tqdm on a terminal, plain lines elsewhere.

    ``update_to(n, note)`` moves it to ``n`` (never backwards) with a short
    note (e.g. the image's status and size); ``close()`` ends it.
    """

    def __init__(self, label, total, unit='B', stream=None, interval=5.0):
        self.label = label
        self.total = total
        self.unit = unit
        self.stream = stream or sys.stderr
        self.interval = interval
        self.n = 0
        self.note = ''
        self._last_line = None
        self._start = time.monotonic()
        self._tqdm = None
        self._closed = False
        sys.stdout.flush()
        if _is_tty(self.stream):
            import tqdm
            byte_units = unit == 'B'
            # Steps come at uneven intervals: a rate would mean nothing.
            fmt = None if byte_units else (
                '{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} '
                '{unit} [{elapsed}{postfix}]')
            self._tqdm = tqdm.tqdm(
                total=total, desc='      ' + label, unit=unit,
                unit_scale=byte_units, unit_divisor=1024 if byte_units
                else 1000, file=self.stream, leave=False,
                dynamic_ncols=True, bar_format=fmt)

    def update_to(self, n, note=''):
        n = max(self.n, min(n, self.total))
        new_note = note != self.note
        # A log line for every chunk would bury the log: lines come on a
        # new note, at the end, or once per interval.
        changed = new_note or (n == self.total != self.n)
        self.n, self.note = n, note
        if self._tqdm is not None:
            if new_note:
                self._tqdm.set_postfix_str(note, refresh=False)
            # tqdm redraws at most every 0.1 s; a new note shows at once.
            if not self._tqdm.update(n - self._tqdm.n) and new_note:
                self._tqdm.refresh()
            return
        now = time.monotonic()
        if changed or self._last_line is None \
                or now - self._last_line >= self.interval:
            self._line(now)

    def _line(self, now):
        self._last_line = now
        if self.unit == 'B':
            done = '%.1f of %.1f MiB' % (self.n / 2 ** 20,
                                         self.total / 2 ** 20)
        else:
            done = '%d of %d %s' % (self.n, self.total, self.unit)
        pct = 100.0 * self.n / self.total if self.total else 100.0
        self.stream.write('      %s: %s (%.0f%%) %s%.1f s\n'
                          % (self.label, done, pct,
                             self.note + ', ' if self.note else '',
                             now - self._start))
        self.stream.flush()

    def close(self):
        if self._closed:
            return
        self._closed = True
        if self._tqdm is not None:
            self._tqdm.close()
        elif self._last_line is None or self.n != self.total:
            self._line(time.monotonic())

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
