/*
 * compat.h - the first include of every .c file in the project.
 *
 * Pulls in config.h (feature macros from configure) and defines the few
 * attributes the code uses to let the compiler check contracts.
 */
#ifndef EMBER_COMPAT_H
#define EMBER_COMPAT_H

#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ATTR_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define MUST_CHECK __attribute__((warn_unused_result))
#define NORETURN __attribute__((noreturn))
#define UNUSED __attribute__((unused))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Programmer errors only; always compiled in (Redis serverAssert). */
#define ASSERT(cond) \
	do { \
		if (!(cond)) \
			compat_assert_fail(#cond, __FILE__, __LINE__); \
	} while (0)

NORETURN void compat_assert_fail(const char *what, const char *file, int line);

#endif
