// SPDX-License-Identifier: GPL-2.0-only
/* The one version of embargo: both binaries print it. */
#ifndef EMB_VERSION_H
#define EMB_VERSION_H

#define EMB_VERSION "0.9.0"

#endif
