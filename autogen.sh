#!/bin/sh
# Generate ./configure from configure.ac and Makefile.am.
set -e
if [ ! -f configure.ac ] || [ ! -f shared/base/err.c ]; then
	echo "autogen.sh: run me from the source root" >&2
	exit 1
fi
exec autoreconf -fi
