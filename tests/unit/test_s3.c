/*
 * test_s3.c - S3 request building and answer parsing (no network):
 * canonical percent-encoding, object and list URLs in both addressing
 * styles, ListBucketResult and error parsing, status mapping.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "err.h"
#include "s3.h"

/* A client for a config; fails the test if it cannot be built. */
static struct s3 *
mk(const char *endpoint, bool path_style)
{
	struct cfg_s3 c;
	struct s3 *s = NULL;
	char err[256];

	memset(&c, 0, sizeof(c));
	c.endpoint = (char *)endpoint;
	c.region = (char *)"eu-west-1";
	c.bucket = (char *)"bkt";
	c.path_style = path_style;
	c.access_key = (char *)"AKID";
	c.secret_key = (char *)"SECRET";
	c.session_token = (char *)"";
	assert_int_equal(s3_new(&c, &s, err, sizeof(err)), E_OK);
	return s;
}

static void
test_urls_path_style(void **state)
{
	struct s3 *s = mk("http://127.0.0.1:4570/", true);
	struct buf b = BUF_INIT(0);

	assert_int_equal(s3_object_url(s, "products/svc/stacks/x y+z.gz", &b), E_OK);
	assert_string_equal(b.data,
		"http://127.0.0.1:4570/bkt/products/svc/stacks/x%20y%2Bz.gz");
	buf_reset(&b);
	assert_int_equal(s3_list_url(s, "dir/", NULL, 1000, &b), E_OK);
	assert_string_equal(b.data,
		"http://127.0.0.1:4570/bkt/?list-type=2&max-keys=1000&prefix=dir%2F");
	buf_reset(&b);
	/* token first (sorted), encoded with its '/', '+' and '=' */
	assert_int_equal(s3_list_url(s, "", "a/b+c=", 5, &b), E_OK);
	assert_string_equal(b.data, "http://127.0.0.1:4570/bkt/?continuation-token="
		"a%2Fb%2Bc%3D&list-type=2&max-keys=5&prefix=");
	buf_reset(&b);
	/* max 0 or over 1000 is clamped to 1000 */
	assert_int_equal(s3_list_url(s, "p", NULL, 5000, &b), E_OK);
	assert_non_null(strstr(b.data, "max-keys=1000&"));
	buf_release(&b);
	s3_free(s);
}

static void
test_urls_virtual_host(void **state)
{
	struct s3 *s = mk("", false);
	struct buf b = BUF_INIT(0);

	assert_int_equal(s3_object_url(s, "k", &b), E_OK);
	assert_string_equal(b.data, "https://bkt.s3.eu-west-1.amazonaws.com/k");
	buf_release(&b);
	s3_free(s);
}

static void
test_new_needs_credentials(void **state)
{
	struct cfg_s3 c;
	struct s3 *s = NULL;
	char err[256];

	memset(&c, 0, sizeof(c));
	c.bucket = (char *)"b";
	c.access_key = (char *)"";
	c.secret_key = (char *)"";
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	assert_int_equal(s3_new(&c, &s, err, sizeof(err)), E_CONFIG);
	assert_null(s);
	assert_non_null(strstr(err, "credentials"));
	/* the environment is cfg_load()'s to read, not the client's */
	setenv("AWS_ACCESS_KEY_ID", "envkey", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	assert_int_equal(s3_new(&c, &s, err, sizeof(err)), E_CONFIG);
	assert_null(s);
	c.access_key = (char *)"k";
	c.secret_key = (char *)"s";
	assert_int_equal(s3_new(&c, &s, err, sizeof(err)), E_OK);
	s3_free(s);
	c.endpoint = (char *)"ftp://x";
	assert_int_equal(s3_new(&c, &s, err, sizeof(err)), E_CONFIG);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
}

static void
test_parse_list(void **state)
{
	static const char xml[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
		"<Name>bkt</Name><Prefix>d/</Prefix><KeyCount>2</KeyCount>"
		"<IsTruncated>true</IsTruncated>"
		"<Contents><Key>d/a&amp;b &lt;c&gt;</Key><Size>1</Size></Contents>"
		"<Contents><Key>d/&#233;&#x65e5;</Key><Size>2</Size></Contents>"
		"<NextContinuationToken>tok/+=&amp;</NextContinuationToken>"
		"</ListBucketResult>";
	static const char last[] =
		"<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>";
	static const char broken[] =
		"<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>";
	struct s3_list_page p;

	assert_int_equal(s3_parse_list(xml, strlen(xml), &p), E_OK);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.keys[0], "d/a&b <c>");
	assert_string_equal(p.keys[1], "d/\xc3\xa9\xe6\x97\xa5");
	assert_string_equal(p.next_token, "tok/+=&");
	s3_list_page_release(&p);
	assert_int_equal(s3_parse_list(last, strlen(last), &p), E_OK);
	assert_int_equal(p.n, 0);
	assert_null(p.next_token);
	assert_int_equal(s3_parse_list(broken, strlen(broken), &p), E_PROTO);
	assert_int_equal(s3_parse_list("<html/>", 7, &p), E_PROTO);
}

static void
test_parse_error_and_status(void **state)
{
	static const char xml[] = "<?xml version=\"1.0\"?><Error><Code>NoSuchKey"
		"</Code><Message>The specified key does not exist.</Message></Error>";
	char code[64];
	char msg[128];

	s3_parse_error(xml, strlen(xml), code, sizeof(code), msg, sizeof(msg));
	assert_string_equal(code, "NoSuchKey");
	assert_string_equal(msg, "The specified key does not exist.");
	s3_parse_error("", 0, code, sizeof(code), msg, sizeof(msg));
	assert_string_equal(code, "");
	assert_int_equal(s3_status_err(200, ""), E_OK);
	assert_int_equal(s3_status_err(204, ""), E_OK);
	assert_int_equal(s3_status_err(404, "NoSuchKey"), E_NOTFOUND);
	assert_int_equal(s3_status_err(403, "SignatureDoesNotMatch"), E_AUTH);
	assert_int_equal(s3_status_err(403, "InvalidAccessKeyId"), E_AUTH);
	assert_int_equal(s3_status_err(403, "AccessDenied"), E_FORBIDDEN);
	assert_int_equal(s3_status_err(503, "SlowDown"), E_THROTTLED);
	assert_int_equal(s3_status_err(429, ""), E_THROTTLED);
	assert_int_equal(s3_status_err(500, "InternalError"), E_HTTP);
	assert_int_equal(s3_status_err(400, "XAmzContentSHA256Mismatch"), E_INVAL);
	assert_int_equal(s3_status_err(400, "ExpiredToken"), E_AUTH);
	assert_int_equal(s3_status_err(301, "PermanentRedirect"), E_CONFIG);
	assert_int_equal(s3_status_err(412, ""), E_CONFLICT);
}

/* Entities and character references come decoded; bad XML is refused. */
static void
test_xml_unescape(void **state)
{
	static const char refs[] =
		"<ListBucketResult><Contents><Key>a&quot;b&apos;&#65;&#x42;"
		"&#x1F600;</Key></Contents></ListBucketResult>";
	static const char bogus[] =
		"<ListBucketResult><Contents><Key>a&bogus;</Key></Contents>"
		"</ListBucketResult>";
	static const char doctype[] =
		"<!DOCTYPE ListBucketResult [<!ENTITY a \"aaaa\">]>"
		"<ListBucketResult><Contents><Key>&a;</Key></Contents>"
		"</ListBucketResult>";
	static const char nested[] =
		"<ListBucketResult><Key>top</Key><Contents><Key>k</Key>"
		"<Owner><Key>deep</Key></Owner></Contents></ListBucketResult>";
	struct s3_list_page p;

	assert_int_equal(s3_parse_list(refs, strlen(refs), &p), E_OK);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.keys[0], "a\"b'AB\xf0\x9f\x98\x80");
	s3_list_page_release(&p);
	assert_int_equal(s3_parse_list(bogus, strlen(bogus), &p), E_PROTO);
	assert_int_equal(s3_parse_list(doctype, strlen(doctype), &p), E_PROTO);
	/* only ListBucketResult/Contents/Key counts */
	assert_int_equal(s3_parse_list(nested, strlen(nested), &p), E_OK);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.keys[0], "k");
	s3_list_page_release(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urls_path_style),
		cmocka_unit_test(test_urls_virtual_host),
		cmocka_unit_test(test_new_needs_credentials),
		cmocka_unit_test(test_parse_list),
		cmocka_unit_test(test_parse_error_and_status),
		cmocka_unit_test(test_xml_unescape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
