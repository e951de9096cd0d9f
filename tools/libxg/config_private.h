/* Shared by libxg's configuration readers (JSON, xl.cfg, libvirt XML): the
 * value rules every format applies the same way, and reading files. */
#ifndef XG_CONFIG_PRIVATE_H
#define XG_CONFIG_PRIVATE_H

#include <stdint.h>

#include "xg/xg.h"

#define XG_CMDLINE_MAX 1023     /* Xen's MAX_GUEST_CMDLINE less the NUL */
#define XG_MEMORY_MAX_MIB (1 << 20)
#define XG_VCPUS_MAX 128
#define XG_CAP_MAX (XG_VCPUS_MAX * 100) /* 100 per vCPU; checked against vcpus once all is read */

/* Set err's field and reason; returns -EINVAL. */
int xg_cfg_bad(struct xg_config_error *err, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Put "line N: " in front of err->reason. */
void xg_cfg_at_line(struct xg_config_error *err, int line);

/* Each checks one value for field (the key as the format spells it) and
 * stores it in cfg; on error fills err and returns -EINVAL (or -ENOMEM). */
int xg_cfg_set_name(struct xg_config *cfg, const char *field, const char *s, struct xg_config_error *err);
int xg_cfg_set_uuid(struct xg_config *cfg, const char *field, const char *s, struct xg_config_error *err);
/* kernel and ramdisk: relative paths are relative to the directory of
 * config_path (NULL: kept as given). */
int xg_cfg_set_path(char **slot, const char *config_path, const char *field, const char *s, bool optional,
		    struct xg_config_error *err);
int xg_cfg_set_cmdline(struct xg_config *cfg, const char *field, const char *s, struct xg_config_error *err);
/* Integers: memory and maxmem in MiB, vcpus. */
int xg_cfg_check_range(const char *field, uint64_t n, uint64_t min, uint64_t max, struct xg_config_error *err);
/* "destroy", "preserve", "restart", "rename-restart"; the other actions
 * Xen knows (coredump-*, soft-reset) are "not supported yet". */
int xg_cfg_action(const char *field, const char *s, enum xg_action *out, struct xg_config_error *err);
/* type: "pv" only. */
int xg_cfg_check_type(const char *field, const char *s, struct xg_config_error *err);
const char *xg_cfg_action_name(enum xg_action a);

/* The rules across fields, once everything is read: name and kernel
 * present, maxmem at least memory, cap at most 100 per vCPU. */
int xg_cfg_check_whole(const struct xg_config *cfg, bool have_name, bool have_kernel, struct xg_config_error *err);

/* A deep copy (strings duplicated); -ENOMEM. */
int xg_cfg_copy(struct xg_config *dst, const struct xg_config *src);

/* The whole file, NUL-terminated, at most 1 MiB; NULL with *rc and
 * err->reason set. */
char *xg_cfg_read_file(const char *path, int *rc, struct xg_config_error *err);

/* Parsers of text already read; path names the file in errors and anchors
 * relative paths.  cfg is initialised first and disposed on error. */
int xg_cfg_parse_json_text(const char *path, const char *text, struct xg_config *cfg, struct xg_config_error *err);
int xg_cfg_parse_xlcfg_text(const char *path, const char *text, struct xg_config *cfg,
			    struct xg_config_error *err);
int xg_cfg_parse_xml_text(const char *path, const char *text, size_t len, struct xg_config *cfg,
			  struct xg_config_error *err);

#endif
