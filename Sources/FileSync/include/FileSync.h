// Starting a file's writeback early (Linux's sync_file_range(2), which Swift's Glibc module
// does not declare). See BufferedFile in Sources/Connectors/FileWriter.swift.
#ifndef XEROFLOW_FILE_SYNC_H
#define XEROFLOW_FILE_SYNC_H

#include <stdint.h>

/// Asks the kernel to start writing bytes [offset, offset + count) of `fd` to disk and returns
/// at once (0, or -1 with errno set). Elsewhere than Linux it does nothing and returns 0.
int xeroflow_start_writeback(int fd, int64_t offset, int64_t count);

#endif
