/* netmode.h: --net's choice, the one network fact the option parser, the mount plan (what the
 * generated /etc files say) and the supervisor (whether a helper runs) all read. A header of
 * its own so that the plans need not include the option parser's. */
#pragma once

enum net_mode { NET_SLIRP, NET_NONE, NET_HOST };
