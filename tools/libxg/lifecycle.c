/* Restarting a domain that stopped, as xl's restart and rename-restart. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xg_private.h"

XG_EXPORT int xg_domain_restart(xg_handle *h, uint32_t domid, bool rename_old, uint32_t *new_domid)
{
	struct xg_domain_info info;
	int rc = xg_domain_info(h, domid, &info);
	if (rc)
		return rc;
	struct xg_config cfg;
	if ((rc = xg_domain_config(h, domid, &cfg)))
		return rc;
	/* Under the name it has now (it may have been renamed since it was
	 * created), as xl restarts it. */
	snprintf(cfg.name, sizeof(cfg.name), "%s", info.name);
	char old_name[XG_NAME_MAX + 16] = "";
	if (rename_old) {
		/* NAME-1, NAME-2, ...: the first that is free. */
		for (unsigned int n = 1; n < 10000; n++) {
			snprintf(old_name, sizeof(old_name), "%s-%u", info.name, n);
			if (strlen(old_name) >= XG_NAME_MAX) {
				rc = xg_error(-ENAMETOOLONG, "cannot rename domain %s for its restart: '%s' is too long",
					      info.name, old_name);
				break;
			}
			rc = xg_domain_rename(h, domid, old_name);
			if (rc != -EEXIST)
				break;
		}
		if (rc) {
			xg_config_dispose(&cfg);
			return rc;
		}
		/* The old domain keeps its UUID; the new one needs another. */
		memset(cfg.uuid, 0, sizeof(cfg.uuid));
	} else if ((rc = xg_domain_destroy(h, domid))) {
		xg_config_dispose(&cfg);
		return rc;
	}
	rc = xg_domain_create(h, &cfg, 0, NULL, new_domid);
	if (rc) {
		char why[512];
		snprintf(why, sizeof(why), "%s", xg_last_error());
		if (rename_old)
			xg_error(rc, "domain %s was renamed %s, but cannot be created again: %s", info.name, old_name, why);
		else
			xg_error(rc, "domain %s was destroyed for its restart, but cannot be created again: %s", info.name,
				 why);
	}
	xg_config_dispose(&cfg);
	return rc;
}
