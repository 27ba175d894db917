#!/usr/bin/env python3
"""A VE.Direct device on a pseudo-terminal, for test/test_energy_sources.sh.

usage: vedirect_feed.py LINK SECONDS (--dump FILE | --synthetic)

Opens a pseudo-terminal, links LINK to its slave (the port a profile
names) and writes blocks to the master for SECONDS: a capture file
(fixtures/vedirect/*.dump) over and over, or with --synthetic a good
MPPT block, a block with a wrong checksum and absurd values (99 V), HEX
frames and a block split across writes, as a real line can carry.
"""
import os
import sys
import time


def block(body):
    raw = (body + "\r\nChecksum\t").encode()
    return raw + bytes([(256 - sum(raw)) % 256])


def synthetic():
    good = block("\r\nPID\t0xA053\r\nV\t13290\r\nI\t4100\r\nVPV\t37620\r\nPPV\t56\r\nCS\t3")
    bad = bytearray(block("\r\nPID\t0xA053\r\nV\t99000\r\nI\t99000\r\nVPV\t99000\r\nPPV\t999"))
    bad[-1] ^= 0x5A
    return [good[:40], b":A0102000543\n", good[40:], bytes(bad), b":7F0ED0071\n", good]


def main():
    link, seconds = sys.argv[1], float(sys.argv[2])
    if sys.argv[3] == "--dump":
        data = open(sys.argv[4], "rb").read()
        chunks = [data[i:i + 64] for i in range(0, len(data), 64)]
    else:
        chunks = synthetic()
    master, slave = os.openpty()
    name = os.ttyname(slave)
    tmp = link + ".tmp"
    os.symlink(name, tmp)
    os.rename(tmp, link)
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        os.write(master, chunks[i % len(chunks)])
        i += 1
        time.sleep(0.03)
    os.unlink(link)


main()
