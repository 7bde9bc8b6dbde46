"""Swaps two names atomically (renameat2 RENAME_EXCHANGE) in a tight loop, to race a path check.

Usage: rename-exchange.py A B. Prints "ready" once the first swap succeeded, then swaps until
stdin closes, leaves the names as it found them, and prints the number of swaps done.
"""
import ctypes
import os
import sys
import threading

AT_FDCWD = -100
RENAME_EXCHANGE = 2
SYS_RENAMEAT2 = {"x86_64": 316, "aarch64": 276}

libc = ctypes.CDLL(None, use_errno=True)
try:
    _renameat2 = libc.renameat2  # glibc >= 2.28
    def renameat2(a, b):
        return _renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)
except AttributeError:
    nr = SYS_RENAMEAT2[os.uname().machine]
    def renameat2(a, b):
        return libc.syscall(nr, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)


def exchange(a, b):
    if renameat2(a, b) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def main():
    a, b = (os.fsencode(p) for p in sys.argv[1:3])
    stop = threading.Event()
    # The test ends the loop by closing our stdin.
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    exchange(a, b)
    swaps = 1
    print("ready", flush=True)
    while not stop.is_set():
        exchange(a, b)
        swaps += 1
    if swaps % 2 == 1:
        exchange(a, b)
        swaps += 1
    print(swaps, flush=True)


main()
