/*
 * flame_lang.c - the language of a frame and its runtime suffix, by the
 * rules the flamegraph page expects (first match wins):
 *
 *   _[j]                  Java                  _[i]  Java / Java (inl)
 *   _[1]                  Java / Java (C1)      _[0]  Java / Java (interpreted)
 *   _[p] _[pe]            Python                .py)  or <decorator-gen-N>: Python
 *   _[php]                PHP                   _[rb] Ruby
 *   ^LazyCompile ^InterpretedFunction  Node     ::    C++
 *   _[k]                  Kernel                _[net] .NET
 *   _[pn]                 Other                 [x.so]: Other
 *   \w\.(\w|\()           Go if ^runtime[./].+, else Go only under Go
 *   ^appid:               Other / Appid         anything else: Other
 *
 * (suffix rules match at the end of the name).  Hand-written matchers,
 * no regex engine: each rule is a few byte compares.
 */
#include "compat.h"

#include <string.h>

#include "flame.h"

static const char *const lang_names[FL_LANG_COUNT] = {
	[FL_OTHER] = "Other", [FL_JAVA] = "Java", [FL_PYTHON] = "Python",
	[FL_PHP] = "PHP", [FL_RUBY] = "Ruby", [FL_NODE] = "Node",
	[FL_CPP] = "C++", [FL_GO] = "Go", [FL_KERNEL] = "Kernel",
	[FL_DOTNET] = ".NET",
};

/* The JSON name of a language. */
const char *
fl_lang_name(int lang)
{
	return lang >= 0 && lang < FL_LANG_COUNT ? lang_names[lang] : "Other";
}

/* The JSON name of a special type, NULL for none. */
const char *
fl_special_name(int sp)
{
	switch (sp) {
	case FL_SP_JAVA_INL: return "Java (inl)";
	case FL_SP_JAVA_C1: return "Java (C1)";
	case FL_SP_JAVA_INTERP: return "Java (interpreted)";
	case FL_SP_APPID: return "Appid";
	default: return NULL;
	}
}

static bool
ends(const char *s, size_t n, const char *lit)
{
	size_t k = strlen(lit);

	return n >= k && memcmp(s + n - k, lit, k) == 0;
}

static bool
starts(const char *s, size_t n, const char *lit)
{
	size_t k = strlen(lit);

	return n >= k && memcmp(s, lit, k) == 0;
}

static bool
has(const char *s, size_t n, const char *lit)
{
	size_t k = strlen(lit), i;

	for (i = 0; i + k <= n; i++)
		if (s[i] == lit[0] && memcmp(s + i, lit, k) == 0)
			return true;
	return false;
}

static bool
word(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		(c >= 'A' && c <= 'Z') || c == '_';
}

/* <decorator-gen-\d+> anywhere. */
static bool
decorator_gen(const char *s, size_t n)
{
	static const char lit[] = "<decorator-gen-";
	size_t k = sizeof(lit) - 1, i, j;

	for (i = 0; i + k <= n; i++) {
		if (memcmp(s + i, lit, k) != 0)
			continue;
		for (j = i + k; j < n && s[j] >= '0' && s[j] <= '9'; j++)
			;
		if (j > i + k && j < n && s[j] == '>')
			return true;
	}
	return false;
}

/* \[.+\.so] anywhere: a '[' with ".so]" starting at least 2 bytes later
 * and no newline between (RE2's '.' does not match it). */
static bool
bracket_so(const char *s, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (s[i] != '[')
			continue;
		for (j = i + 2; j + 4 <= n; j++) {
			if (s[j - 1] == '\n')
				break;
			if (memcmp(s + j, ".so]", 4) == 0)
				return true;
		}
	}
	return false;
}

/* \w\.(?:\w|\() anywhere. */
static bool
go_like(const char *s, size_t n)
{
	size_t i;

	for (i = 1; i + 1 < n; i++)
		if (s[i] == '.' && word((unsigned char)s[i - 1]) &&
		    (word((unsigned char)s[i + 1]) || s[i + 1] == '('))
			return true;
	return false;
}

/* Classify a frame; see flame.h. */
void
fl_classify(const char *s, size_t n, int *lang, int *sp, bool *go_maybe)
{
	*sp = FL_SP_NONE;
	*go_maybe = false;
	if (ends(s, n, "_[j]"))
		*lang = FL_JAVA;
	else if (ends(s, n, "_[i]"))
		*lang = FL_JAVA, *sp = FL_SP_JAVA_INL;
	else if (ends(s, n, "_[1]"))
		*lang = FL_JAVA, *sp = FL_SP_JAVA_C1;
	else if (ends(s, n, "_[0]"))
		*lang = FL_JAVA, *sp = FL_SP_JAVA_INTERP;
	else if (ends(s, n, "_[p]") || ends(s, n, "_[pe]"))
		*lang = FL_PYTHON;
	else if (ends(s, n, ".py)") || decorator_gen(s, n))
		*lang = FL_PYTHON;
	else if (ends(s, n, "_[php]"))
		*lang = FL_PHP;
	else if (ends(s, n, "_[rb]"))
		*lang = FL_RUBY;
	else if (starts(s, n, "LazyCompile") ||
		 starts(s, n, "InterpretedFunction"))
		*lang = FL_NODE;
	else if (has(s, n, "::"))
		*lang = FL_CPP;
	else if (ends(s, n, "_[k]"))
		*lang = FL_KERNEL;
	else if (ends(s, n, "_[net]"))
		*lang = FL_DOTNET;
	else if (ends(s, n, "_[pn]") || bracket_so(s, n))
		*lang = FL_OTHER;
	else if (go_like(s, n)) {
		if (n > 8 && starts(s, n, "runtime") &&
		    (s[7] == '.' || s[7] == '/'))
			*lang = FL_GO;
		else
			*lang = FL_OTHER, *go_maybe = true;
	} else if (starts(s, n, "appid:"))
		*lang = FL_OTHER, *sp = FL_SP_APPID;
	else
		*lang = FL_OTHER;
}

/* The runtime suffixes, longest spellings first. */
static const char *const suffixes[] = {
	"_[j]_[s]", "_[i]_[s]", "_[0]_[s]", "_[1]_[s]",
	"_[j]", "_[i]", "_[0]", "_[1]", "_[p]", "_[pe]", "_[k]", "_[php]",
	"_[pn]", "_[rb]", "_[net]",
};

/* The length of the suffix ending name; see flame.h. */
size_t
fl_suffix_len(const char *name, size_t len)
{
	size_t i;

	if (len < 4 || name[len - 1] != ']')
		return 0;
	for (i = 0; i < ARRAY_SIZE(suffixes); i++)
		if (ends(name, len, suffixes[i]))
			return strlen(suffixes[i]);
	return 0;
}
