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

# dh_builddeb gives every package the same dpkg-deb options; dh_mlmodel
# chooses one per package (weights do not compress).  dh_mlmodel_builddeb
# runs dh_builddeb per group of packages with their choice.  It only takes
# dh_builddeb's place when that is safe: the add-on is unconditional (a
# Build-Depends-Indep/-Arch add-on may not remove commands), dh_builddeb is
# in the sequence, and debian/rules does not hook dh_builddeb itself (its
# override would otherwise silently stop running).
sub _rules_hooks_builddeb {
	open(my $fh, '<', 'debian/rules') or return 0;
	while (my $line = <$fh>) {
		return 1 if $line =~ m/^\s*(?:override|execute_before|execute_after)_dh_builddeb(?:-arch|-indep)?\s*:/;
	}
	return 0;
}

my $unconditional = ($Debian::Debhelper::DH::AddonAPI::DH_INTERNAL_ADDON_TYPE // 'both') eq 'both';
if ($unconditional and not _rules_hooks_builddeb()
	and insert_before('dh_builddeb', 'dh_mlmodel_builddeb')) {
	remove_command('dh_builddeb');
	# dh_mlmodel computed the md5 of each model file while hashing it;
	# dh_mlmodel_builddeb writes those DEBIAN/md5sums lines, so dh_md5sums
	# need not read multi-GB weights a second time.
	add_command_options('dh_md5sums', '-Xusr/share/mlmodel/');
	$ENV{DH_MLMODEL_BUILDDEB} = '1';
} else {
	$ENV{DH_MLMODEL_BUILDDEB} = '0';
}

1;
