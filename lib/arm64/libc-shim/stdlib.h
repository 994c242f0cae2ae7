/* What libfdt_env.h wants from <stdlib.h>: the guest runtime's own declarations. */
#include <libcflat.h>
