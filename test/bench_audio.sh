#!/bin/sh
# Audio capture benchmark (make bench): the CPU cost of `thermpace record`
# at 10 Hz with 48 kHz mono audio, against the same recording without
# audio. The audio comes through alsa-lib's file plugin from a FIFO that a
# feeder process (not counted) fills at the sample rate, so the capture is
# paced in real time as a sound card would be. CPU time (user + sys) and
# voluntary context switches (wakeups) come from the kernel's rusage of the
# thermpace process alone; missed telemetry ticks are counted from the
# telemetry.csv timestamps. Prints the figures and each target met or not
# met; exits 1 when a target is missed.
# Usage: test/bench_audio.sh [BUILD_DIR]   (from the source tree root)
# BENCH_AUDIO_S (default 60) sets the length of each recording.
build=${1:-build/rel}
TP=$build/thermpace
secs=${BENCH_AUDIO_S:-60}
fx=fixtures/sysfs/jetson-nano
FAN=fixtures/audio/computer-fan-hum-48k.wav
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

echo "== audio: record at 10 Hz for $secs s, 48 kHz mono audio paced in real time through a FIFO"
python3 - "$TP" "$fx" "$FAN" "$tmp" "$secs" <<'PY'
import os, struct, subprocess, sys, threading, time, wave

tp, fx, fan, tmp, secs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
rate, interval = 48000, 0.1

# the fan's left channel as raw S32_LE mono (the capture's first choice), looped by the feeder
w = wave.open(fan, 'rb')
n = w.getnframes()
s = struct.unpack('<%dh' % (2 * n), w.readframes(n))
raw = struct.pack('<%di' % n, *[v << 16 for v in s[0::2]])
fifo = os.path.join(tmp, 'audio.fifo')
os.mkfifo(fifo)
conf = os.path.join(tmp, 'alsa.conf')
with open(conf, 'w') as f:
    f.write('pcm.bench { type file slave.pcm "null" file "/dev/null" infile "%s" format "raw" }\n'
            % fifo)

def feeder():
    """Writes the stream at the sample rate, 0.2 s ahead (the pipe holds 0.34 s)."""
    chunk = int(rate * 0.02) * 4
    ahead = 0.2
    with open(fifo, 'wb', buffering=0) as out:
        t0 = time.monotonic()
        pos = 0
        k = 0
        try:
            while True:
                due = t0 + k * 0.02 - ahead
                dt = due - time.monotonic()
                if dt > 0:
                    time.sleep(dt)
                if pos + chunk > len(raw):
                    pos = 0
                out.write(raw[pos:pos + chunk])
                pos += chunk
                k += 1
        except (BrokenPipeError, OSError):
            pass

def run(name, audio):
    out = os.path.join(tmp, name)
    args = [tp, 'record', '-o', out, '--root', fx, '--interval', str(interval),
            '--duration', str(secs)]
    env = dict(os.environ)
    if audio:
        args += ['--device', 'bench', '--channel', 'mix']
        env['ALSA_CONFIG_PATH'] = '/usr/share/alsa/alsa.conf:' + conf
    p = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    err = p.stderr.read().decode(errors='replace')
    p.stderr.close()
    ts = []
    try:
        for line in open(os.path.join(out, 'telemetry.csv')):
            if line[0].isdigit():
                ts.append(float(line.split(',', 1)[0]))
    except OSError:
        pass
    missed = sum(max(0, round((b - a) / interval) - 1) for a, b in zip(ts, ts[1:]))
    late = max((b - a for a, b in zip(ts, ts[1:])), default=float('nan'))
    return {'status': status, 'err': err.strip(), 'cpu': ru.ru_utime + ru.ru_stime,
            'user': ru.ru_utime, 'sys': ru.ru_stime, 'nvcsw': ru.ru_nvcsw,
            'rows': len(ts), 'missed': missed, 'late': late,
            'wav_s': wav_seconds(os.path.join(out, 'audio.wav')) if audio else 0}

def wav_seconds(path):
    """Seconds in the data chunk of a mono S32 WAV (0 when there is none)."""
    try:
        d = open(path, 'rb').read()
    except OSError:
        return 0
    i = 12
    while i + 8 <= len(d) and d[i:i + 4] != b'data':
        i += 8 + struct.unpack('<I', d[i + 4:i + 8])[0]
    return (len(d) - i - 8) / 4 / rate if i + 8 <= len(d) else 0

res = {}
th = threading.Thread(target=feeder, daemon=True)
th.start()
# the two recordings side by side: CPU time and wakeups are the process's own
ta = threading.Thread(target=lambda: res.__setitem__('audio', run('audio', True)))
tb = threading.Thread(target=lambda: res.__setitem__('plain', run('plain', False)))
ta.start(); tb.start(); ta.join(); tb.join()
a, b = res['audio'], res['plain']
for name, r in (('with audio', a), ('without audio', b)):
    if r['status'] != 0:
        print('   %s: thermpace record failed: %s' % (name, r['err']))
        sys.exit(1)
print('   %-44s %14s %14s' % ('', 'with audio', 'without'))
rows = [('CPU, % of one core (user+sys)', lambda r: '%.3f' % (100 * r['cpu'] / secs)),
        ('  user, s', lambda r: '%.3f' % r['user']),
        ('  sys, s', lambda r: '%.3f' % r['sys']),
        ('wakeups per second (voluntary switches)', lambda r: '%.1f' % (r['nvcsw'] / secs)),
        ('telemetry rows', lambda r: '%d' % r['rows']),
        ('missed ticks (from telemetry.csv)', lambda r: '%d' % r['missed']),
        ('longest gap between rows, s', lambda r: '%.3f' % r['late'])]
for label, f in rows:
    print('   %-44s %14s %14s' % (label, f(a), f(b)))
audio_cpu = 100 * (a['cpu'] - b['cpu']) / secs
wav_s = a['wav_s']
print('   %-44s %14.3f' % ('audio alone, % of one core (difference)', audio_cpu))
print('   %-44s %14.1f' % ('audio.wav, s', wav_s))
ok = True
def target(name, cond):
    global ok
    print('   target: %s: %s' % (name, 'met' if cond else 'not met'))
    ok = ok and cond
target('live audio (capture + features) <= 0.5 % of one core', audio_cpu <= 0.5)
target('zero missed telemetry ticks with audio', a['missed'] == 0 and a['rows'] >= secs / interval)
target('audio.wav holds the recording (within 1 s)', abs(wav_s - secs) <= 1.0)
sys.exit(0 if ok else 1)
PY
