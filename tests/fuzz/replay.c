/* Runs a harness's LLVMFuzzerTestOneInput on files, without libFuzzer, so that
 * saved crash inputs and corpora replay under gcc + ASan in `make check`.
 *
 *   replay-elf FILE|DIR...     each FILE, and each regular file in each DIR
 *
 * Exit status 0 when every input ran; a crash is caught by the sanitizer,
 * which reports it and exits non-zero.  tests/fuzz/replay.sh runs these over
 * tests/fuzz/regress/HARNESS/ with one TAP line per input. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;

	if (!fp || fseek(fp, 0, SEEK_END) || (len = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET)) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		if (fp)
			fclose(fp);
		return -1;
	}
	/* malloc'd to the exact size, so ASan catches reads one past the end. */
	buf = malloc(len ? (size_t)len : 1);
	if (!buf || fread(buf, 1, (size_t)len, fp) != (size_t)len) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		free(buf);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t count = 0, i;
	int rc = 0;

	if (!dp) {
		fprintf(stderr, "replay: cannot open %s\n", dir);
		return -1;
	}
	while ((de = readdir(dp))) {
		char **nn;

		if (de->d_name[0] == '.')
			continue;
		nn = realloc(names, (count + 1) * sizeof(*names));
		if (!nn)
			break;
		names = nn;
		names[count] = malloc(strlen(dir) + strlen(de->d_name) + 2);
		if (!names[count])
			break;
		sprintf(names[count++], "%s/%s", dir, de->d_name);
	}
	closedir(dp);
	qsort(names, count, sizeof(*names), cmp);	/* a stable order */
	for (i = 0; i < count; i++) {
		struct stat st;

		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode) && replay_file(names[i]))
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	int i, rc = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: %s: no such file or directory\n", argv[i]);
			rc = 1;
		} else if (S_ISDIR(st.st_mode) ? replay_dir(argv[i]) : replay_file(argv[i])) {
			rc = 1;
		}
	}
	return rc;
}
