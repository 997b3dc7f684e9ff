//! A per-thread copy of the hot part of the `found` cache, so that a hit writes nothing another core reads.
//!
//! A moka hit writes shared state (the entry's access time, reference counts, a record of the read for its
//! eviction policy): with two cores answering the same hot links, those writes move cache lines between them on
//! every redirect. Each thread here keeps, for each resolver, links it found in `found`, weighed as `found` weighs
//! them up to the front's budget, and answers a link from its own copy while three things hold:
//!
//! - the memory copy's life (`CACHE_TTL_SECONDS` from when its read began) is not over: the same bound as `found`;
//! - the read was not marked forgotten while under way: a copy is only taken of a read that was not, and a read
//!   is marked later only by a forget, which the next point covers (so a copy's hit does not load the mark, whose
//!   line another core may be writing);
//! - no [`Resolver::forget`](crate::Resolver::forget) finished since the copy was taken: a forget bumps the
//!   resolver's generation once `found` no longer holds the ID, and a thread whose copies carry an older
//!   generation drops them all before it answers anything.
//!
//! So a front never answers longer, or after a change, than `found` would. It holds shared references to the
//! same reads `found` holds, never copies of links.

use std::{
    cell::RefCell,
    collections::HashMap,
    sync::{
        Arc, Weak,
        atomic::{AtomicU64, Ordering},
    },
    time::Instant,
};

use shortener_domain::ShortId;

use crate::Read;

/// Identifies a resolver among those of the process, so threads keep their copies apart.
static NEXT_RESOLVER: AtomicU64 = AtomicU64::new(0);

/// A resolver's side of the fronts: its identity, the generation that [`Front::forgot`] bumps, and the weight one
/// thread's copies may reach; past it, that thread's copies are dropped and taken again from `found`.
#[derive(Debug)]
pub(crate) struct Front {
    resolver: u64,
    generation: AtomicU64,
    budget: u64,
    /// Dropped with the resolver: a thread drops the copies of resolvers gone when it starts keeping another's.
    alive: Arc<()>,
}

/// One thread's copies for one resolver, and the generation they were taken in.
struct Copies {
    resolver: u64,
    alive: Weak<()>,
    generation: u64,
    /// Each copy with when its read began (kept here, so that the check reads this thread's memory only) and its
    /// weight.
    reads: HashMap<ShortId, (Arc<Read>, Instant, u32)>,
    weight: u64,
}

thread_local! {
    static COPIES: RefCell<Vec<Copies>> = const { RefCell::new(Vec::new()) };
}

impl Front {
    /// A front whose copies weigh at most `budget` per thread.
    pub(crate) fn new(budget: u64) -> Self {
        let resolver = NEXT_RESOLVER.fetch_add(1, Ordering::Relaxed);
        Self { resolver, generation: AtomicU64::new(0), budget, alive: Arc::new(()) }
    }

    /// The current generation: read before `found` is asked, and handed to [`Front::keep`] with what it gave.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Calls `answer` with this thread's copy of `id`, and when its read began, when it has one taken in
    /// `generation`; `answer` says whether it could use it. Copies of an older generation are dropped.
    pub(crate) fn with<R>(
        &self,
        generation: u64,
        id: &str,
        answer: impl FnOnce(&Read, Instant) -> Option<R>,
    ) -> Option<R> {
        COPIES.with(|copies| {
            let mut copies = copies.borrow_mut();
            let mine = copies.iter_mut().find(|c| c.resolver == self.resolver)?;
            if mine.generation != generation {
                mine.clear(generation);
                return None;
            }
            let (read, at, _) = mine.reads.get(id)?;
            let answered = answer(read, *at);
            if answered.is_none()
                && let Some((_, _, weight)) = mine.reads.remove(id)
            {
                mine.weight -= u64::from(weight);
            }
            answered
        })
    }

    /// Keeps a copy of `read` of `id`, weighing `weight`, found in `found` after [`Front::generation`] returned
    /// `generation`.
    pub(crate) fn keep(&self, generation: u64, id: &str, read: &Arc<Read>, weight: u32) {
        COPIES.with(|copies| {
            let mut copies = copies.borrow_mut();
            let index = match copies.iter().position(|c| c.resolver == self.resolver) {
                Some(index) => index,
                None => {
                    copies.retain(|c| c.alive.strong_count() > 0);
                    let alive = Arc::downgrade(&self.alive);
                    copies.push(Copies {
                        resolver: self.resolver,
                        alive,
                        generation,
                        reads: HashMap::new(),
                        weight: 0,
                    });
                    copies.len() - 1
                }
            };
            let mine = &mut copies[index];
            if mine.generation != generation || mine.weight + u64::from(weight) > self.budget {
                mine.clear(generation);
            }
            if u64::from(weight) <= self.budget
                && let Ok(id) = ShortId::parse(id)
            {
                if let Some((_, _, replaced)) = mine.reads.insert(id, (Arc::clone(read), read.at, weight)) {
                    mine.weight -= u64::from(replaced);
                }
                mine.weight += u64::from(weight);
            }
        });
    }

    /// Called once `found` no longer holds a forgotten ID: every thread's copies taken before are dropped at its
    /// next answer.
    pub(crate) fn forgot(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

impl Copies {
    fn clear(&mut self, generation: u64) {
        self.reads.clear();
        self.weight = 0;
        self.generation = generation;
    }
}
