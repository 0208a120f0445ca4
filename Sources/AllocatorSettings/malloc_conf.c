// jemalloc's settings, when Package.swift links jemalloc into xeroflow (jemalloc reads this
// symbol at start; MALLOC_CONF in the environment still applies on top). Pages a run no longer
// uses go back to the system after one second instead of ten: a streamed run keeps its peak
// memory under 100 MB with room to spare (bench/README.md). Unused with any other allocator.
#include "AllocatorSettings.h"

const char *malloc_conf = "dirty_decay_ms:1000";
