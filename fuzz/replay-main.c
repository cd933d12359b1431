/* SPDX-License-Identifier: MIT */
/*
 * replay-main.c: runs a libFuzzer target over files and directories
 * without libFuzzer, so the normal build replays each fuzz corpus as a
 * test (and the sanitizer build checks it).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
        FILE *f = fopen(path, "rb");
        unsigned char *buf;
        long size;

        if (!f)
                return -1;
        fseek(f, 0, SEEK_END);
        size = ftell(f);
        fseek(f, 0, SEEK_SET);
        buf = malloc((size_t) size + 1);
        if (!buf || fread(buf, 1, (size_t) size, f) != (size_t) size) {
                fclose(f);
                free(buf);
                return -1;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(buf, (size_t) size);
        free(buf);
        return 0;
}

static int run_path(const char *path, unsigned *count)
{
        struct stat st;
        struct dirent *de;
        DIR *dir;
        int r = 0;

        if (stat(path, &st) < 0)
                return -1;
        if (!S_ISDIR(st.st_mode)) {
                (*count)++;
                return run_file(path);
        }
        dir = opendir(path);
        if (!dir)
                return -1;
        while ((de = readdir(dir))) {
                char child[4096];

                if (de->d_name[0] == '.')
                        continue;
                snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
                if (run_path(child, count) < 0)
                        r = -1;
        }
        closedir(dir);
        return r;
}

int main(int argc, char **argv)
{
        unsigned count = 0;
        int r = 0;

        for (int i = 1; i < argc; i++)
                if (run_path(argv[i], &count) < 0) {
                        fprintf(stderr, "cannot read %s\n", argv[i]);
                        r = 1;
                }
        printf("replayed %u input(s)\n", count);
        return r || count == 0;
}
