/* SPDX-License-Identifier: GPL-2.0-only */
/* The version of embargo and embargod: defined here only. */
#ifndef EMB_VERSION_H
#define EMB_VERSION_H

#define EMB_VERSION "0.9.0"

#endif /* EMB_VERSION_H */
