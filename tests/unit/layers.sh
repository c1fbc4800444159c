#!/bin/sh
# make check: the include graph of the source tree runs downwards.
exec "${srcdir:-.}/scripts/check-layers" "${srcdir:-.}"
