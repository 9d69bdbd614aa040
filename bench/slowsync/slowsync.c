/* LD_PRELOAD shim for the store bench: every fsync and fdatasync first sleeps SLOW_SYNC_US
 * microseconds (default 1000), so a local server flushes like a disk that takes that long
 * (a network volume, a cloud disk). Built by bench/bench_store.py with the system's cc. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

static void stall(void) {
    static long us = -1;
    if (us < 0) {
        const char *v = getenv("SLOW_SYNC_US");
        us = v ? atol(v) : 1000;
    }
    struct timespec t = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&t, NULL);
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    stall();
    return real(fd);
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    stall();
    return real(fd);
}
