#!/usr/bin/perl
# dh sequence add-on for dh-mlmodel: `dh $@ --with mlmodel`, or
# `Build-Depends: dh-sequence-mlmodel`.
#
# dh_mlmodel runs after dh_lintian, so the maintainer's
# debian/PKG.lintian-overrides is already installed when it appends its own
# lines (dh_lintian overwrites the file), and before dh_compress,
# dh_fixperms, dh_gencontrol and dh_md5sums, which must see what it installed.
use strict;
use warnings;
use Debian::Debhelper::Dh_Lib;

# insert_after() silently does nothing when the anchor is missing from every
# sequence (debputy's full integration removes dh_lintian), which would drop
# dh_mlmodel from the build without a word.  Fall back to the next point that
# still comes before the steps that must see our files, and fail otherwise.
if (!insert_after('dh_lintian', 'dh_mlmodel')
    && !insert_before('dh_compress', 'dh_mlmodel')
    && !insert_before('dh_builddeb', 'dh_mlmodel')) {
	error('dh-sequence-mlmodel: the dh sequence has none of dh_lintian, dh_compress or dh_builddeb, '
		. 'so dh_mlmodel has no place to run (debputy full integration, dh-sequence-zz-debputy?). '
		. 'Use dh-sequence-zz-debputy-rrr, or call dh_mlmodel from an override target.');
}

# Model files are byte-for-byte what upstream released: .pt, .keras and .npz
# are zip files that dh_strip_nondeterminism would otherwise rewrite.
add_command_options('dh_strip_nondeterminism', '-Xusr/share/mlmodel/');

1;
