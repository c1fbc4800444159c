/*
 * fuzz.h - the entry point every fuzz target defines.
 *
 * Built with clang -fsanitize=fuzzer (bench/fuzz), libFuzzer supplies
 * main().  In the ordinary build, replay.c supplies a main() that runs the
 * target once over every file named on the command line (the committed
 * corpus), so each CI run replays every corpus under the sanitizers.
 */
#ifndef EMBER_FUZZ_H
#define EMBER_FUZZ_H

#include "compat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
