/*
 * test_corpus.h - where the shared corpus (../shared/corpus beside the source
 * tree) is, for tests that read it and must skip when it is absent.
 */
#ifndef MEMTYPE_TEST_CORPUS_H
#define MEMTYPE_TEST_CORPUS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The directory <source root>/../shared/corpus/<sub> (sub may be ""), found
 * from here = the calling test's __FILE__ (tests/<dir>/<file>), or the
 * directory the environment variable env names when it is set; NULL when
 * it has no README.md. The result lives in a static buffer.
 */
static inline const char *test_corpus_dir(const char *here, const char *env, const char *sub)
{
	static char path[1024];
	const char *e = getenv(env);
	const char *slash = strrchr(here, '/');
	FILE *f;

	if (e && *e)
		return e;
	if (!slash)
		return NULL;
	snprintf(path, sizeof(path), "%.*s/../../../shared/corpus%s%s/README.md",
		 (int)(slash - here), here, *sub ? "/" : "", sub);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	fclose(f);
	path[strlen(path) - strlen("/README.md")] = '\0';
	return path;
}

#endif /* MEMTYPE_TEST_CORPUS_H */
