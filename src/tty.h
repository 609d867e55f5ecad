/* tty.h: pseudo-terminal for COMMAND (provisional). */
#pragma once

#include <stddef.h>

int tty_open_pair(int *master, int *slave, char *err, size_t errlen);
