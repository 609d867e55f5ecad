/* fuzz_netpolicy.c: libFuzzer harness for the egress policy's two parsers of untrusted input:
 * DNS answers (netpolicy_learn_dns, fed by whatever the sandbox's resolver returns) and
 * --net-allow specs. The first byte picks which; a DNS message is then checked against a policy
 * that allows the names the corpus asks for, so the learning path runs, not only the header. */
#include "config.h"

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netpolicy.h"

static struct net_policy policy;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];

	if (size == 0)
		return 0;
	if (data[0] & 1) {
		struct netpolicy_allow a;
		char *s = malloc(size);

		if (!s)
			return 0;
		memcpy(s, data + 1, size - 1);
		s[size - 1] = '\0';
		netpolicy_parse(s, &a, err, sizeof(err));
		netpolicy_parse(s, &a, err, 8);
		free(s);
		return 0;
	}
	if (!netpolicy_active(&policy)) {
		netpolicy_add(&policy, "svc.test", err, sizeof(err));
		netpolicy_add(&policy, "example.org:443", err, sizeof(err));
		netpolicy_add(&policy, "10.0.0.0/8:80", err, sizeof(err));
	}
	netpolicy_learn_dns(&policy, data + 1, size - 1);
	/* what was learnt must be usable: look one address up */
	{
		const unsigned char a[4] = { 10, 0, 2, 2 };
		const char *by;
		(void)netpolicy_verdict(&policy, AF_INET, a, 443, IPPROTO_TCP, &by);
	}
	return 0;
}
