/*
 * map.c — mapping the GPIO register block: /dev/gpiomem, /dev/gpiomem0, /dev/mem, or RAM.
 */
#define _GNU_SOURCE
#include "strobe_map.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int strobe_map_device(const char *path, uint64_t offset, size_t length, strobe_mapping *out) {
    memset(out, 0, sizeof *out);
    snprintf(out->path, sizeof out->path, "%s", path);
    int fd;
    do fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) return -errno;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return -EISDIR;
    }
    long page = sysconf(_SC_PAGESIZE);
    uint64_t aligned = offset & ~((uint64_t)page - 1);
    size_t lead = (size_t)(offset - aligned);
    size_t map_length = (lead + length + (size_t)page - 1) & ~((size_t)page - 1);
    void *p = mmap(NULL, map_length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)aligned);
    int e = errno;
    close(fd); /* the mapping keeps the device open */
    if (p == MAP_FAILED) return -e;
    out->map_base = p;
    out->map_length = map_length;
    out->block = (volatile uint32_t *)((char *)p + lead);
    out->length = length;
    return 0;
}

int strobe_map_board(const strobe_board_info *info, int use_devmem, const char *dev_root, strobe_mapping *out) {
    if (!dev_root) dev_root = "";
    char path[128];
    size_t length = strobe_layout_block_size(info->layout);
    if (use_devmem) {
        snprintf(path, sizeof path, "%s/dev/mem", dev_root);
        return strobe_map_device(path, info->gpio_phys, length, out);
    }
    snprintf(path, sizeof path, "%s%s", dev_root, info->gpiomem_path);
    /* /dev/gpiomem and /dev/gpiomem0 map the GPIO block at offset 0 whatever is asked. */
    return strobe_map_device(path, 0, length, out);
}

int strobe_map_ram(strobe_layout layout, strobe_mapping *out) {
    memset(out, 0, sizeof *out);
    size_t length = strobe_layout_block_size(layout);
    if (length == 0) return -EINVAL;
    void *p = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return -errno;
    out->map_base = p;
    out->map_length = length;
    out->block = p;
    out->length = length;
    snprintf(out->path, sizeof out->path, "RAM");
    return 0;
}

void strobe_unmap(strobe_mapping *mapping) {
    if (mapping->map_base) munmap(mapping->map_base, mapping->map_length);
    memset(mapping, 0, sizeof *mapping);
}
