#include "tally_lua.h"
