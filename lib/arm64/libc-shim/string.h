/* What libfdt_env.h wants from <string.h>: the guest runtime's own declarations. */
#include <libcflat.h>
