#!/bin/bash
# devstack plugin for glance-accel-import (sourced by stack.sh, unstack.sh
# and clean.sh with the mode and phase as $1 and $2).
#
#   stack install      pip-installs this checkout where Glance runs
#                      (setup_develop); with ACCEL_IMPORT_PATCH_CINDER,
#                      patches Cinder's checkout with contrib/cinder
#   stack post-config  glance-image-import.conf: README.rst's snippet;
#                      cinder.conf: the contrib/cinder options, when
#                      Cinder's source has them
#
# Both files are written by tools/accel_conf.py, as tools/cloud.sh writes
# them, so what the whole-cloud tests run is what devstack deploys.

# accel_import_conf SERVICE FILE: one of the two writers.
function accel_import_conf {
    "${PYTHON:-python3}" "$ACCEL_IMPORT_DIR/tools/accel_conf.py" "$1" "$2" \
        || die $LINENO "glance-accel-import: cannot write $2"
}

# cinder_has_offload: Cinder's source declares contrib/cinder's option.
function cinder_has_offload {
    grep -qs "'offload_image_compression_to_glance'" \
        "$CINDER_DIR/cinder/common/config.py"
}

function accel_import_patch_cinder {
    local p
    for p in "$ACCEL_IMPORT_DIR"/contrib/cinder/*.patch; do
        # --forward: a patch already applied (a second stack.sh) is skipped
        patch -d "$CINDER_DIR" -p1 --forward --batch --quiet < "$p" \
            || cinder_has_offload \
            || die $LINENO "glance-accel-import: $p does not apply"
    done
}

function accel_import_configure {
    if is_service_enabled g-api; then
        accel_import_conf glance "$GLANCE_IMAGE_IMPORT_CONF"
    fi
    if is_service_enabled c-vol c-api; then
        if cinder_has_offload; then
            accel_import_conf cinder "$CINDER_CONF"
        else
            echo "glance-accel-import: Cinder has no" \
                "offload_image_compression_to_glance (contrib/cinder not" \
                "applied): cinder.conf left as is"
        fi
    fi
}

if [[ "$1" == "stack" && "$2" == "install" ]]; then
    echo_summary "Installing glance-accel-import"
    setup_develop "$ACCEL_IMPORT_DIR"
    if [[ "$ACCEL_IMPORT_PATCH_CINDER" == "True" ]] \
            && is_service_enabled cinder; then
        echo_summary "Applying glance-accel-import's contrib/cinder patches"
        accel_import_patch_cinder
    fi
elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
    echo_summary "Configuring glance-accel-import"
    accel_import_configure
fi
