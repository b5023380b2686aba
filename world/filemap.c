/*
 * filemap.c - files and their page cache (mm/filemap.c: filemap_add_folio,
 * filemap_fault, folio_end_writeback; mm/page-writeback.c: folio_mark_dirty,
 * __folio_start_writeback; mm/truncate.c: truncate_inode_pages).
 * Page cache pages are GFP_HIGHUSER_MOVABLE (mapping_gfp_mask of most
 * filesystems) and start on the inactive file LRU.
 */
#include <stdlib.h>
#include <string.h>

#include "world.h"

int af_file_create(struct af_machine *m, bool fallback_aops, int *fid)
{
	struct world *w;
	struct file *f;

	if (!m || !(w = m->world) || !fid)
		return af_err(-EINVAL, "bad arguments");
	f = calloc(1, sizeof(*f));
	if (!f)
		return af_err(-ENOMEM, "out of memory");
	pthread_mutex_init(&f->lock, NULL);
	f->fallback_aops = fallback_aops;
	wr_lock(m);
	if (w->nfiles == w->files_cap) {
		int nc = w->files_cap ? w->files_cap * 2 : 8;
		struct file **nf = realloc(w->files, (size_t)nc * sizeof(*nf));
		if (!nf) {
			wr_unlock(m);
			free(f);
			return af_err(-ENOMEM, "out of memory");
		}
		w->files = nf;
		w->files_cap = nc;
	}
	f->owner = new_owner(m, OWN_FILE, (uint32_t)w->nfiles);
	if (!f->owner) {
		wr_unlock(m);
		free(f);
		return af_err(-ENOMEM, "out of memory");
	}
	w->owners[f->owner].fallback_aops = fallback_aops;
	w->files[w->nfiles] = f;
	*fid = w->nfiles++;
	wr_unlock(m);
	return 0;
}

static struct file *get_file(struct af_machine *m, int fid)
{
	struct world *w = m->world;

	if (!w || fid < 0 || fid >= w->nfiles || w->files[fid]->dead)
		return NULL;
	return w->files[fid];
}

static int cover_index(struct world *w, struct file *f, uint64_t index)
{
	if (index >= FILE_MAX_INDEX)
		return af_err(-EFBIG, "file index %llu too large", (unsigned long long)index);
	if (index < f->npages)
		return 0;
	if (index >= FILE_HOST_INDEX_LIMIT)
		return af_err(-ENOMEM, "file page %llu: its page cache index would take %llu MiB of "
			      "host memory (at most %llu MiB per file)", (unsigned long long)index,
			      (unsigned long long)((index + 1) * sizeof(struct pc_entry) >> 20),
			      (unsigned long long)(FILE_HOST_INDEX_LIMIT * sizeof(struct pc_entry) >> 20));
	size_t n = f->npages ? f->npages : 16;
	while (n <= index)
		n *= 2;
	struct pc_entry *np = realloc(f->pages, n * sizeof(*np));
	if (!np)
		return af_err(-ENOMEM, "out of memory");
	for (size_t i = f->npages; i < n; i++)
		np[i] = (struct pc_entry){ PFN_NIL, 0 };
	f->pages = np;
	w->owners[f->owner].pc = np;
	f->npages = n;
	return 0;
}

/*
 * The page for a page cache slot about to be filled: allocated before the
 * file lock is taken (filemap_alloc_folio before filemap_add_folio), since
 * the allocation may reclaim page cache of this very file.
 */
static int alloc_cache_page(struct af_machine *m, int cpu, unsigned long *pfn)
{
	struct af_alloc_result r;
	int ret = af_alloc_pages(m, cpu, AF_GFP_HIGHUSER_MOVABLE, 0, -1, &r);

	if (!ret)
		*pfn = (unsigned long)r.pfn;
	return ret;
}

/* filemap_add_folio(): read a page in (clean, generation 0 = as on disk),
 * under the file lock, into an empty slot */
static void add_to_page_cache(struct af_machine *m, struct file *f, uint64_t index,
			      unsigned long pfn)
{
	prep_owned_page(m, pfn, f->owner, (uint32_t)index, 0);
	contents_fill(m, pfn, f->owner, (uint32_t)index, f->pages[index].gen);
	f->pages[index].pfn = (uint32_t)pfn;
	page_stat_mod(m, pfn, NS_NR_FILE_PAGES, 1);
	lru_add(m, pfn);
}

/*
 * Lock the file with the page of index cached: the slot is looked up under
 * the lock; a missing page is allocated without it and the lookup repeated
 * (another thread may have read the page in meanwhile: ours goes back).
 * Returns with f->lock held and *pfn the cached page, or an error unlocked.
 */
static int lock_cached_page(struct af_machine *m, struct file *f, int cpu, uint64_t index,
			    unsigned long *pfn)
{
	unsigned long np = PFN_NIL;
	int ret;

	for (;;) {
		wlock(m, &f->lock);
		ret = cover_index(m->world, f, index);
		if (ret)
			break;
		if (f->pages[index].pfn != PFN_NIL) {
			*pfn = f->pages[index].pfn;
			break;
		}
		if (np != PFN_NIL) {
			add_to_page_cache(m, f, index, np);
			*pfn = np;
			return 0;
		}
		wunlock(m, &f->lock);
		ret = alloc_cache_page(m, cpu, &np);
		if (ret)
			return ret;
	}
	if (np != PFN_NIL)
		af_free_pages(m, cpu, np, 0);
	if (ret)
		wunlock(m, &f->lock);
	return ret;
}

/* Look up or read in a page and take a mapping reference on it (filemap_fault) */
int filemap_get_page(struct af_machine *m, int fid, int cpu, uint64_t index, unsigned long *pfn)
{
	struct file *f = get_file(m, fid);
	int ret;

	if (!f)
		return af_err(-EBADF, "no file %d", fid);
	ret = lock_cached_page(m, f, cpu, index, pfn);
	if (!ret) {
		struct page *p = &m->pages[*pfn];
		if (page_mapcount_add(m, p, 1) == 1)
			page_stat_mod(m, *pfn, NS_NR_MAPPED, 1);
		page_ref_add(m, p, 1);
		wunlock(m, &f->lock);
	}
	return ret;
}

/* folio_mark_dirty() */
void set_page_dirty(struct af_machine *m, unsigned long pfn)
{
	if (!(pflags_fetch_or(m, &m->pages[pfn], PG_dirty) & PG_dirty)) {
		page_stat_mod(m, pfn, NS_NR_DIRTY, 1);
		page_stat_mod(m, pfn, NS_NR_DIRTIED, 1);
		page_zone_stat_mod(m, pfn, NR_ZONE_WRITE_PENDING, 1);
	}
}

static int file_rw(struct af_machine *m, int fid, int cpu, uint64_t index, bool write)
{
	struct file *f;
	unsigned long pfn;
	int ret;

	if (!m || !m->world)
		return af_err(-EINVAL, "no world");
	if (cpu < 0 || cpu >= m->nr_cpus)
		return af_err(-EINVAL, "cpu %d does not exist", cpu);
	rd_lock(m);
	f = get_file(m, fid);
	if (!f) {
		rd_unlock(m);
		return af_err(-EBADF, "no file %d", fid);
	}
again:
	ret = lock_cached_page(m, f, cpu, index, &pfn);
	if (ret) {
		rd_unlock(m);
		return ret;
	}
	if (write) {
		/*
		 * A write waits for writeback to finish first (stable pages,
		 * folio_wait_stable); without the file lock the page may be
		 * reclaimed or migrated meanwhile, so the lookup is repeated
		 * (as grab_cache_page_write_begin finds the folio again).
		 */
		if (pflags(&m->pages[pfn]) & PG_writeback) {
			struct page *p = &m->pages[pfn];

			page_ref_add(m, p, 1);	/* folio_get: the page stays ours to wait on */
			wunlock(m, &f->lock);
			wait_page_writeback(m, pfn);
			if (page_ref_add(m, p, -1) == 0)
				free_owned_page(m, cpu, pfn, 0);
			goto again;
		}
		f->pages[index].gen = next_gen(m);
		contents_fill(m, pfn, f->owner, (uint32_t)index, f->pages[index].gen);
		set_page_dirty(m, pfn);
	} else if (!contents_check(m, pfn, f->owner, (uint32_t)index, f->pages[index].gen)) {
		ret = af_err(-EIO, "file %d page %llu: contents do not match", fid,
			     (unsigned long long)index);
	}
	wunlock(m, &f->lock);
	rd_unlock(m);
	return ret;
}

int af_file_read(struct af_machine *m, int fid, int cpu, uint64_t index)
{
	return file_rw(m, fid, cpu, index, false);
}

int af_file_write(struct af_machine *m, int fid, int cpu, uint64_t index)
{
	return file_rw(m, fid, cpu, index, true);
}

/*
 * The page cache page at index, returned with the file's lock held (the
 * caller unlocks *fp): migration swaps the entry under that lock, so the
 * page cannot move while the caller works on it.
 */
static int cached_pfn(struct af_machine *m, int fid, uint64_t index, unsigned long *pfn,
		      struct file **fp)
{
	struct file *f = get_file(m, fid);

	if (!f)
		return af_err(-EBADF, "no file %d", fid);
	wlock(m, &f->lock);
	if (index >= f->npages || f->pages[index].pfn == PFN_NIL) {
		wunlock(m, &f->lock);
		return af_err(-ENOENT, "file %d page %llu is not cached", fid, (unsigned long long)index);
	}
	*pfn = f->pages[index].pfn;
	*fp = f;
	return 0;
}

int af_file_writeback(struct af_machine *m, int fid, uint64_t index, uint64_t ns)
{
	unsigned long pfn;
	struct file *f;
	int ret;

	if (!m || !m->world)
		return af_err(-EINVAL, "no world");
	if (ns > UINT64_MAX - af_clock_ns(m))	/* the deadline must fit the clock */
		return af_err(-EINVAL, "writeback of %llu ns passes the end of the virtual clock",
			      (unsigned long long)ns);
	rd_lock(m);
	ret = cached_pfn(m, fid, index, &pfn, &f);
	if (!ret) {
		if (!(pflags(&m->pages[pfn]) & PG_dirty))
			ret = af_err(-EINVAL, "file %d page %llu is not dirty", fid,
				     (unsigned long long)index);
		else
			start_writeback(m, pfn, ns);
		wunlock(m, &f->lock);
	}
	rd_unlock(m);
	return ret;
}

int af_file_writeback_end(struct af_machine *m, int fid, uint64_t index)
{
	unsigned long pfn;
	struct file *f;
	int ret;

	if (!m || !m->world)
		return af_err(-EINVAL, "no world");
	rd_lock(m);
	ret = cached_pfn(m, fid, index, &pfn, &f);
	if (!ret) {
		if (!(pflags(&m->pages[pfn]) & PG_writeback))
			ret = af_err(-EINVAL, "file %d page %llu is not under writeback", fid,
				     (unsigned long long)index);
		else
			writeback_end_now(m, pfn);
		wunlock(m, &f->lock);
	}
	rd_unlock(m);
	return ret;
}

int af_file_page(struct af_machine *m, int fid, uint64_t index, uint64_t *pfn)
{
	unsigned long p;
	struct file *f;
	int ret;

	if (!m || !m->world || !pfn)
		return af_err(-EINVAL, "bad arguments");
	rd_lock(m);
	ret = cached_pfn(m, fid, index, &p, &f);
	if (!ret)
		wunlock(m, &f->lock);
	rd_unlock(m);
	if (!ret)
		*pfn = p;
	return ret;
}

/*
 * truncate_inode_pages() + drop the inode.  Refused while mapped or a page is
 * pinned (simplified: the kernel drops the page from the cache and frees it
 * at the last put).  A locked page or one under writeback is waited for, as
 * truncation does: the virtual clock advances to the end of its hold; one
 * only its taker can end (threaded mode, 0 ns) is -EBUSY, not a hang.
 */
int af_file_delete(struct af_machine *m, int fid)
{
	struct file *f;
	int ret = 0;

	if (!m || !m->world)
		return af_err(-EINVAL, "no world");
	wr_lock(m);
	f = get_file(m, fid);
	if (!f)
		ret = af_err(-EBADF, "no file %d", fid);
	else if (f->nmaps)
		ret = af_err(-EBUSY, "file %d is still mapped", fid);
	for (size_t i = 0; !ret && f && i < f->npages; i++) {
		uint32_t pfn = f->pages[i].pfn;
		if (pfn != PFN_NIL && __atomic_load_n(&m->pages[pfn].refcount, __ATOMIC_RELAXED) != 1)
			ret = af_err(-EBUSY, "file %d page %zu is pinned", fid, i);
	}
	/* first whether every hold has an end, then wait: a refusal changes nothing */
	for (int end = 0; end < 2; end++)
		for (size_t i = 0; !ret && f && i < f->npages; i++) {
			uint32_t pfn = f->pages[i].pfn;
			if (pfn != PFN_NIL && (pflags(&m->pages[pfn]) & (PG_locked | PG_writeback)) &&
			    !end_timed_holds(m, pfn, end))
				ret = af_err(-EBUSY, "file %d page %zu is locked or under writeback "
					     "until its taker ends it", fid, i);
		}
	if (!ret) {
		for (size_t i = 0; i < f->npages; i++)
			if (f->pages[i].pfn != PFN_NIL) {
				unsigned long pfn = f->pages[i].pfn;
				f->pages[i].pfn = PFN_NIL;
				__atomic_store_n(&m->pages[pfn].refcount, 0, __ATOMIC_RELAXED);
				free_owned_page(m, API_CPU, pfn, 0);
			}
		f->dead = true;
		m->world->owners[f->owner].dead = true;
	}
	wr_unlock(m);
	return ret;
}
