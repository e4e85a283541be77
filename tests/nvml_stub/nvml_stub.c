/*
 * A stand-in libnvidia-ml.so for kftui's tests and benchmark: the NVML entry
 * points kftui's host GPU sampler calls (through nvml-wrapper), with values
 * that follow from the device index and the number of calls, so a test can
 * compute what the pane must show.
 *
 * nvml-wrapper-sys resolves every symbol when the library is opened but keeps
 * a missing one as an error that only the call site sees (NvmlError::
 * FailedToLoadSymbol), except nvmlShutdown, which Nvml's Drop calls
 * unchecked. So this exports what the sampler calls plus init/shutdown.
 *
 * Configuration, read at nvmlInit: the file "<this library's path>.conf"
 * when it exists (so tests running in parallel each copy the library with
 * their own file), else the environment variables NVML_STUB_DEVICES,
 * NVML_STUB_FAIL, NVML_STUB_MIG, NVML_STUB_PROCS, NVML_STUB_INIT. The file
 * holds the same keys in lower case without the prefix, one "key=value" a
 * line:
 *   devices=4                 how many GPUs (0..64)
 *   fail=1:temperature        device 1 answers NOT_SUPPORTED to that query
 *                             (temperature fan power power_limit pcie clocks
 *                             utilization memory processes name uuid mig);
 *                             several separated by commas
 *   mig=2                     MIG mode enabled on device 2 (commas for more)
 *   procs=0:4242:C:1073741824,1:77:G:52428800
 *                             device:pid:C|G:bytes of GPU memory
 *   init=driver_not_loaded    nvmlInit fails (also no_permission)
 *
 * nvmlStubCallCount() returns how many NVML calls were made since load,
 * nvmlStubInitCount() how many of them were nvmlInit.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int nvmlReturn_t;
#define NVML_SUCCESS 0
#define NVML_ERROR_UNINITIALIZED 1
#define NVML_ERROR_INVALID_ARGUMENT 2
#define NVML_ERROR_NOT_SUPPORTED 3
#define NVML_ERROR_NO_PERMISSION 4
#define NVML_ERROR_INSUFFICIENT_SIZE 7
#define NVML_ERROR_DRIVER_NOT_LOADED 9

#define MAX_DEVICES 64
#define MAX_PROCS 256
#define GIB (1024ULL * 1024ULL * 1024ULL)

typedef struct {
    unsigned int pid;
    unsigned long long usedGpuMemory;
    unsigned int gpuInstanceId;
    unsigned int computeInstanceId;
} nvmlProcessInfo_t;

typedef struct {
    unsigned int version;
    unsigned long long total;
    unsigned long long reserved;
    unsigned long long free;
    unsigned long long used;
} nvmlMemory_v2_t;

typedef struct {
    unsigned int gpu;
    unsigned int memory;
} nvmlUtilization_t;

struct stub_device {
    unsigned int index;
    unsigned long util_calls;
    int mig;
    char fail[512];
};

struct stub_proc {
    unsigned int device;
    unsigned int pid;
    char kind;
    unsigned long long mem;
};

typedef struct stub_device *nvmlDevice_t;

static struct stub_device devices[MAX_DEVICES];
static unsigned int device_count = 4;
static struct stub_proc procs[MAX_PROCS];
static unsigned int proc_count = 0;
static int initialised = 0;
static nvmlReturn_t init_result = NVML_SUCCESS;
static unsigned long calls = 0;
static unsigned long inits = 0;

unsigned long nvmlStubCallCount(void) { return __atomic_load_n(&calls, __ATOMIC_SEQ_CST); }
unsigned long nvmlStubInitCount(void) { return __atomic_load_n(&inits, __ATOMIC_SEQ_CST); }

static void count(void) { __atomic_fetch_add(&calls, 1, __ATOMIC_SEQ_CST); }

static void set_key(const char *key, const char *value) {
    if (strcmp(key, "devices") == 0) {
        long n = strtol(value, NULL, 10);
        device_count = n < 0 ? 0 : (n > MAX_DEVICES ? MAX_DEVICES : (unsigned int)n);
    } else if (strcmp(key, "fail") == 0 || strcmp(key, "mig") == 0) {
        char buf[1024];
        snprintf(buf, sizeof buf, "%s", value);
        for (char *item = strtok(buf, ","); item; item = strtok(NULL, ",")) {
            unsigned int d = (unsigned int)strtoul(item, NULL, 10);
            if (d >= MAX_DEVICES) continue;
            if (key[0] == 'm') {
                devices[d].mig = 1;
            } else {
                char *what = strchr(item, ':');
                if (!what) continue;
                size_t used = strlen(devices[d].fail);
                snprintf(devices[d].fail + used, sizeof devices[d].fail - used, ",%s,", what + 1);
            }
        }
    } else if (strcmp(key, "procs") == 0) {
        char buf[4096];
        snprintf(buf, sizeof buf, "%s", value);
        char *save = NULL;
        for (char *item = strtok_r(buf, ",", &save); item && proc_count < MAX_PROCS;
             item = strtok_r(NULL, ",", &save)) {
            unsigned int d, pid;
            char kind;
            unsigned long long mem;
            if (sscanf(item, "%u:%u:%c:%llu", &d, &pid, &kind, &mem) == 4) {
                procs[proc_count++] = (struct stub_proc){d, pid, kind, mem};
            }
        }
    } else if (strcmp(key, "init") == 0) {
        if (strcmp(value, "driver_not_loaded") == 0) init_result = NVML_ERROR_DRIVER_NOT_LOADED;
        else if (strcmp(value, "no_permission") == 0) init_result = NVML_ERROR_NO_PERMISSION;
    }
}

static void configure(void) {
    memset(devices, 0, sizeof devices);
    device_count = 4;
    proc_count = 0;
    init_result = NVML_SUCCESS;
    for (unsigned int i = 0; i < MAX_DEVICES; i++) devices[i].index = i;

    Dl_info info;
    char path[4096];
    FILE *f = NULL;
    if (dladdr((void *)&configure, &info) && info.dli_fname) {
        snprintf(path, sizeof path, "%s.conf", info.dli_fname);
        f = fopen(path, "r");
    }
    if (f) {
        char line[4096];
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\r\n")] = 0;
            char *eq = strchr(line, '=');
            if (!eq) continue;
            *eq = 0;
            set_key(line, eq + 1);
        }
        fclose(f);
        return;
    }
    static const char *keys[][2] = {
        {"NVML_STUB_DEVICES", "devices"}, {"NVML_STUB_FAIL", "fail"}, {"NVML_STUB_MIG", "mig"},
        {"NVML_STUB_PROCS", "procs"},     {"NVML_STUB_INIT", "init"},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = getenv(keys[i][0]);
        if (v) set_key(keys[i][1], v);
    }
}

/* Checks the handle and the device's configured failures. */
static nvmlReturn_t check(nvmlDevice_t d, const char *query) {
    count();
    if (!initialised) return NVML_ERROR_UNINITIALIZED;
    if (d < devices || d >= devices + device_count) return NVML_ERROR_INVALID_ARGUMENT;
    char needle[64];
    snprintf(needle, sizeof needle, ",%s,", query);
    if (strstr(d->fail, needle)) return NVML_ERROR_NOT_SUPPORTED;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlInit_v2(void) {
    count();
    __atomic_fetch_add(&inits, 1, __ATOMIC_SEQ_CST);
    configure();
    if (init_result != NVML_SUCCESS) return init_result;
    initialised = 1;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlInitWithFlags(unsigned int flags) {
    (void)flags;
    return nvmlInit_v2();
}

nvmlReturn_t nvmlShutdown(void) {
    count();
    initialised = 0;
    return NVML_SUCCESS;
}

const char *nvmlErrorString(nvmlReturn_t r) {
    switch (r) {
    case NVML_SUCCESS: return "Success";
    case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
    case NVML_ERROR_DRIVER_NOT_LOADED: return "Driver Not Loaded";
    default: return "Unknown Error";
    }
}

nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length) {
    count();
    if (!initialised) return NVML_ERROR_UNINITIALIZED;
    if (length < 16) return NVML_ERROR_INSUFFICIENT_SIZE;
    snprintf(version, length, "550.54.15");
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *n) {
    count();
    if (!initialised) return NVML_ERROR_UNINITIALIZED;
    *n = device_count;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) {
    count();
    if (!initialised) return NVML_ERROR_UNINITIALIZED;
    if (index >= device_count) return NVML_ERROR_INVALID_ARGUMENT;
    *device = &devices[index];
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetIndex(nvmlDevice_t d, unsigned int *index) {
    nvmlReturn_t r = check(d, "index");
    if (r == NVML_SUCCESS) *index = d->index;
    return r;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t d, char *name, unsigned int length) {
    nvmlReturn_t r = check(d, "name");
    if (r == NVML_SUCCESS) snprintf(name, length, "NVIDIA A100-SXM4-80GB");
    return r;
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t d, char *uuid, unsigned int length) {
    nvmlReturn_t r = check(d, "uuid");
    if (r == NVML_SUCCESS)
        snprintf(uuid, length, "GPU-5a1b0000-0000-4000-8000-%012x", d->index);
    return r;
}

nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t d, nvmlMemory_v2_t *memory) {
    nvmlReturn_t r = check(d, "memory");
    if (r != NVML_SUCCESS) return r;
    memory->total = 80 * GIB;
    memory->reserved = GIB / 2;
    memory->used = (unsigned long long)(d->index + 1) * 4 * GIB;
    memory->free = memory->total - memory->reserved - memory->used;
    return NVML_SUCCESS;
}

/* GPU utilisation moves with each sample: (10 + 20 * index + 7 * k) % 101. */
nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t d, nvmlUtilization_t *u) {
    nvmlReturn_t r = check(d, "utilization");
    if (r != NVML_SUCCESS) return r;
    unsigned long k = d->util_calls++;
    u->gpu = (unsigned int)((10 + 20 * d->index + 7 * k) % 101);
    u->memory = (unsigned int)((5 + 10 * d->index) % 101);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t d, int sensor, unsigned int *temp) {
    (void)sensor;
    nvmlReturn_t r = check(d, "temperature");
    if (r == NVML_SUCCESS) *temp = 40 + 5 * d->index;
    return r;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned int *mw) {
    nvmlReturn_t r = check(d, "power");
    if (r == NVML_SUCCESS) *mw = 100000 + 25000 * d->index;
    return r;
}

nvmlReturn_t nvmlDeviceGetPowerManagementLimit(nvmlDevice_t d, unsigned int *mw) {
    nvmlReturn_t r = check(d, "power_limit");
    if (r == NVML_SUCCESS) *mw = 400000;
    return r;
}

nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t d, unsigned int *mw) {
    return nvmlDeviceGetPowerManagementLimit(d, mw);
}

nvmlReturn_t nvmlDeviceGetFanSpeed_v2(nvmlDevice_t d, unsigned int fan, unsigned int *speed) {
    nvmlReturn_t r = check(d, "fan");
    if (r == NVML_SUCCESS && fan > 0) r = NVML_ERROR_INVALID_ARGUMENT;
    if (r == NVML_SUCCESS) *speed = 30 + d->index;
    return r;
}

nvmlReturn_t nvmlDeviceGetNumFans(nvmlDevice_t d, unsigned int *n) {
    nvmlReturn_t r = check(d, "fan");
    if (r == NVML_SUCCESS) *n = 1;
    return r;
}

/* NVML_CLOCK_GRAPHICS 0, SM 1, MEM 2, VIDEO 3 */
nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t d, int type, unsigned int *mhz) {
    nvmlReturn_t r = check(d, "clocks");
    if (r != NVML_SUCCESS) return r;
    *mhz = type == 2 ? 1593 : 1410;
    return NVML_SUCCESS;
}

/* NVML_PCIE_UTIL_TX_BYTES 0, RX 1; KB/s */
nvmlReturn_t nvmlDeviceGetPcieThroughput(nvmlDevice_t d, int counter, unsigned int *kbs) {
    nvmlReturn_t r = check(d, "pcie");
    if (r == NVML_SUCCESS) *kbs = (counter == 0 ? 1000 : 2000) * (d->index + 1);
    return r;
}

nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t d, unsigned int *current, unsigned int *pending) {
    nvmlReturn_t r = check(d, "mig");
    if (r != NVML_SUCCESS) return r;
    *current = (unsigned int)d->mig;
    *pending = (unsigned int)d->mig;
    return NVML_SUCCESS;
}

static nvmlReturn_t list_procs(nvmlDevice_t d, char kind, unsigned int *n, nvmlProcessInfo_t *out) {
    nvmlReturn_t r = check(d, "processes");
    if (r != NVML_SUCCESS) return r;
    unsigned int found = 0;
    for (unsigned int i = 0; i < proc_count; i++)
        if (procs[i].device == d->index && procs[i].kind == kind) found++;
    if (out == NULL || *n < found) {
        *n = found;
        return found == 0 ? NVML_SUCCESS : NVML_ERROR_INSUFFICIENT_SIZE;
    }
    unsigned int w = 0;
    for (unsigned int i = 0; i < proc_count; i++) {
        if (procs[i].device != d->index || procs[i].kind != kind) continue;
        out[w].pid = procs[i].pid;
        out[w].usedGpuMemory = procs[i].mem;
        out[w].gpuInstanceId = d->mig ? 1 : 0xFFFFFFFFu;
        out[w].computeInstanceId = d->mig ? 0 : 0xFFFFFFFFu;
        w++;
    }
    *n = w;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t d, unsigned int *n,
                                                     nvmlProcessInfo_t *infos) {
    return list_procs(d, 'C', n, infos);
}

nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v3(nvmlDevice_t d, unsigned int *n,
                                                      nvmlProcessInfo_t *infos) {
    return list_procs(d, 'G', n, infos);
}
