dnl AX_CHECK_COMPILE_FLAG_SIMPLE(FLAG, ACTION-IF-OK)
dnl Probe one compiler flag with -Werror so unknown flags are rejected.
AC_DEFUN([AX_CHECK_COMPILE_FLAG_SIMPLE], [
  AC_MSG_CHECKING([whether $CC accepts $1])
  ember_save_CFLAGS="$CFLAGS"
  CFLAGS="$CFLAGS -Werror $1"
  AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
    [AC_MSG_RESULT([yes]); $2],
    [AC_MSG_RESULT([no])])
  CFLAGS="$ember_save_CFLAGS"
])
