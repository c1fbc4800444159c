#!/bin/sh
# Replay every committed fuzz corpus through its target (run by make check):
# every tests/fuzz/fuzz_X.c has its corpus in tests/fuzz/corpus/X.
# A target that crashes, or a corpus that is missing, fails the test.
srcdir=${srcdir:-.}
status=0
for src in "$srcdir"/tests/fuzz/fuzz_*.c; do
	t=${src##*/fuzz_}
	t=${t%.c}
	if [ ! -d "$srcdir/tests/fuzz/corpus/$t" ]; then
		echo "not ok - corpus for $t missing"
		status=1
		continue
	fi
	if ./tests/fuzz/fuzz_$t "$srcdir/tests/fuzz/corpus/$t" > "tests/fuzz/fuzz_$t.replay.log" 2>&1; then
		echo "ok - fuzz_$t corpus ($(grep -c '^ok' "tests/fuzz/fuzz_$t.replay.log") inputs)"
	else
		echo "not ok - fuzz_$t corpus"
		cat "tests/fuzz/fuzz_$t.replay.log"
		status=1
	fi
done
exit $status
