#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "FileSync.h"

#if defined(__linux__)
#include <fcntl.h>

int xeroflow_start_writeback(int fd, int64_t offset, int64_t count) {
    return sync_file_range(fd, offset, count, SYNC_FILE_RANGE_WRITE);
}
#else
int xeroflow_start_writeback(int fd, int64_t offset, int64_t count) {
    (void)fd; (void)offset; (void)count;
    return 0;
}
#endif
