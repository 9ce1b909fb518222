"""A generated marketplace for the search benchmark, and the fixed mix of queries run on it.

Deterministic: one seed and one size give the same listings and the same queries on every
machine. Listings are generated in batches of `BATCH` with their own seed each, so any batch
can be made again without the ones before it, a million listings stream through in constant
memory, and the query mix is drawn from a few batches only.

The shape follows a federation of worker co-ops: about 50 co-ops per 100,000 listings (a few
big, many small), a two-level tree of 60 categories, the 8 labels of the demo federation on
about 30 % of listings, English, German and Swedish text, regions and prices in EUR, SEK and
GBP by the co-op's country. Titles (3 to 8 words) and descriptions (20 to 60 words, with
function words) are drawn from a few thousand words per language with a Zipf-like frequency:
real words hold the frequent ranks, made-up but pronounceable words the long tail.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from search.backend import ListingDocument, SearchQuery

#: listings per generated batch (each with its own seed)
BATCH = 1000
#: words per language, real ones first, the rest made up from syllables
VOCABULARY_SIZE = 3000
#: Zipf-Mandelbrot: weight of rank r is 1 / (r + OFFSET) ** EXPONENT
ZIPF_OFFSET = 8.0
ZIPF_EXPONENT = 1.1
#: share of description words that are function words ("the", "und", "och")
FUNCTION_SHARE = 0.35
#: share of listings carrying at least one verified label
LABELLED_SHARE = 0.30
#: co-ops per 100,000 listings
COOPS_PER_100K = 50
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 2 * 365 * 24 * 3600

#: the demo federation's labels: slug, name (listings show them sorted by name)
LABELS: tuple[tuple[str, str], ...] = (
    ("fair-trade", "Fair Trade"),
    ("organic", "Organic"),
    ("worker-owned", "Worker-owned"),
    ("local", "Local"),
    ("repair-second-hand", "Repaired & Second-hand"),
    ("small-handmade", "Small-batch & Handmade"),
    ("fair-wages", "Fair Wages"),
    ("low-carbon-delivery", "Low-carbon Delivery"),
)
#: how often each label is chosen when a listing has labels
LABEL_WEIGHTS = (0.24, 0.22, 0.14, 0.12, 0.08, 0.08, 0.07, 0.05)

#: root name -> its five subcategories (slugs are made from the names)
CATEGORY_TREE: dict[str, tuple[str, ...]] = {
    "Food & Drink": ("Coffee & Tea", "Bread & Pastry", "Fruit & Vegetables", "Pantry", "Dairy"),
    "Clothing & Textiles": ("Shirts & Tops", "Knitwear", "Workwear", "Bags", "Children's Wear"),
    "Home & Garden": ("Furniture", "Kitchenware", "Home Textiles", "Garden & Plants", "Lighting"),
    "Bikes & Mobility": ("Bicycles", "Bike Parts", "Cargo Bikes", "Bike Bags", "Helmets"),
    "Electronics": ("Laptops", "Phones", "Monitors", "Audio", "Cables & Chargers"),
    "Print & Paper": ("Business Print", "Art Prints", "Notebooks", "Cards", "Books"),
    "Digital Services": ("Web Development", "Hosting", "Design", "IT Support", "Photography"),
    "Language Services": ("Translation", "Interpreting", "Proofreading", "Subtitles", "Lessons"),
    "Repair Services": ("Bike Repair", "Phone Repair", "Restoration", "Alterations", "Shoes"),
    "Courses & Workshops": ("Cooking", "Crafts", "Repair Skills", "Gardening", "Languages"),
}
#: categories of services (their listings are mostly kind "service")
SERVICE_ROOTS = ("Digital Services", "Language Services", "Repair Services", "Courses & Workshops")

#: country -> (currency, language, regions, price factor from EUR)
COUNTRIES: dict[str, tuple[str, str, tuple[str, ...], int]] = {
    "DE": ("EUR", "de", ("Berlin", "Leipzig", "Hamburg", "München", "Köln", "Freiburg"), 1),
    "AT": ("EUR", "de", ("Wien", "Graz", "Tirol"), 1),
    "SE": ("SEK", "sv", ("Skåne", "Stockholm", "Göteborg", "Uppsala", "Norrland"), 11),
    "UK": ("GBP", "en", ("London", "Manchester", "Bristol", "Glasgow", "Leeds"), 1),
}
COUNTRY_WEIGHTS = {"DE": 0.4, "AT": 0.1, "SE": 0.25, "UK": 0.25}

_REAL_WORDS = {
    "en": """coffee tea bread rye oat spelt sourdough wool cotton linen hemp bicycle bike repair
        wheel frame saddle chain brake tyre jacket shirt sweater scarf hat gloves socks bag
        backpack tote wallet belt apron blanket pillow towel curtain rug chair table shelf stool
        bench desk lamp bowl plate mug cup jug teapot knife spoon board pan pot jar honey jam
        chutney oil vinegar salt pepper spice mustard cheese butter yoghurt milk egg apple pear
        plum cherry berry tomato potato onion garlic carrot bean lentil flour pasta rice granola
        muesli chocolate cocoa biscuit cake roll bun loaf notebook paper card poster print
        calendar envelope pencil pen ink book journal laptop phone tablet monitor keyboard cable
        charger speaker headphones battery screen refurbished used new organic fair handmade
        local small batch seasonal fresh roasted dark light medium whole ground decaf single
        origin blend ethiopian colombian peruvian recycled upcycled vintage classic modern
        rustic natural raw unbleached undyed knitted woven printed embroidered stitched carved
        turned oak ash beech birch pine walnut cherrywood ceramic stoneware porcelain glass
        steel brass copper leather canvas felt cork bamboo wax soap candle brush comb basket
        crate box gift set kit course workshop lesson class session consultation translation
        interpreting proofreading subtitles website hosting design logo branding photography
        support maintenance service cleaning tuning fitting alteration mending restoration
        sharpening resoling cooking baking fermenting gardening sewing knitting weaving pottery
        woodwork welding soldering coding writing editing green blue red black white grey brown
        yellow navy olive cream large medium small extra warm soft sturdy light heavy durable
        waterproof breathable reusable compostable refillable family kids children adult winter
        summer spring autumn""",
    "de": """kaffee tee brot roggen hafer dinkel sauerteig wolle baumwolle leinen hanf fahrrad
        rad reparatur laufrad rahmen sattel kette bremse reifen jacke hemd pullover schal mütze
        handschuhe socken tasche rucksack beutel geldbörse gürtel schürze decke kissen handtuch
        vorhang teppich stuhl tisch regal hocker bank schreibtisch lampe schüssel teller becher
        tasse krug teekanne messer löffel brett pfanne topf glas honig marmelade öl essig salz
        pfeffer gewürz senf käse butter joghurt milch ei apfel birne pflaume kirsche beere
        tomate kartoffel zwiebel knoblauch möhre bohne linse mehl nudeln reis müsli schokolade
        kakao keks kuchen brötchen laib notizbuch papier karte plakat druck kalender umschlag
        bleistift stift tinte buch heft laptop telefon tablet bildschirm tastatur kabel
        ladegerät lautsprecher kopfhörer akku gebraucht neu bio fair handgemacht regional
        saisonal frisch geröstet dunkel hell mittel ganz gemahlen entkoffeiniert mischung
        recycelt vintage klassisch modern rustikal natürlich roh ungebleicht gestrickt gewebt
        bedruckt bestickt genäht geschnitzt gedrechselt eiche esche buche birke kiefer
        nussbaum keramik steinzeug porzellan stahl messing kupfer leder segeltuch filz kork
        bambus wachs seife kerze bürste kamm korb kiste schachtel geschenk set bausatz kurs
        werkstatt unterricht beratung übersetzung dolmetschen lektorat untertitel webseite
        gestaltung fotografie wartung dienst reinigung anpassung änderung restaurierung
        schleifen kochen backen gärtnern nähen stricken weben töpfern schweißen löten grün blau
        rot schwarz weiß grau braun gelb groß klein warm weich robust leicht schwer langlebig
        wasserdicht atmungsaktiv wiederverwendbar kompostierbar nachfüllbar familie kinder
        winter sommer frühling herbst fahrräder lastenrad bäckerei rösterei genossenschaft""",
    "sv": """kaffe te bröd råg havre dinkel surdeg ull bomull linne hampa cykel reparation hjul
        ram sadel kedja broms däck jacka skjorta tröja halsduk mössa handskar strumpor väska
        ryggsäck kasse plånbok bälte förkläde filt kudde handduk gardin matta stol bord hylla
        pall bänk skrivbord lampa skål tallrik mugg kopp kanna tekanna kniv sked skärbräda
        stekpanna gryta burk honung sylt olja vinäger salt peppar krydda senap ost smör yoghurt
        mjölk ägg äpple päron plommon körsbär bär tomat potatis lök vitlök morot böna lins mjöl
        pasta ris müsli choklad kakao kex kaka bulle limpa anteckningsbok papper kort affisch
        tryck kalender kuvert penna bläck bok dagbok dator telefon surfplatta skärm tangentbord
        kabel laddare högtalare hörlurar batteri begagnad ny ekologisk rättvis handgjord lokal
        säsong färsk rostad mörk ljus mellan hel malen koffeinfri blandning återvunnen vintage
        klassisk modern rustik naturlig rå oblekt stickad vävd tryckt broderad sydd snidad
        svarvad ek ask bok björk tall valnöt keramik stengods porslin glas stål mässing koppar
        läder kanvas filt kork bambu vax tvål ljus borste kam korg låda ask present sats kurs
        verkstad lektion rådgivning översättning tolkning korrektur undertexter webbplats
        design fotografi underhåll tjänst rengöring justering ändring renovering slipning
        matlagning bakning trädgård sömnad stickning vävning keramik svetsning lödning grön blå
        röd svart vit grå brun gul stor liten varm mjuk stadig lätt tung hållbar vattentät
        återanvändbar komposterbar påfyllbar familj barn vinter sommar vår höst cyklar
        lådcykel bageri rosteri kooperativ""",
}
_SYLLABLES = {
    "en": "ar ben bor by cal cam der dor el en fer fin gal ham har ing kin lan ley lin mar "
    "mel mor nel ton ver wel wick ford ly ster tock rin sel tra bri cor dal",
    "de": "an ber burg dorf el en er fel ge hau hof kel lin ling mann mer nau ner rei sch "
    "stein tal ter wald wei zen bach feld hain holz kamp mühl rode",
    "sv": "al berg by dal ek er fors gren hag holm ing lund lid mark näs ros sjö sten strand "
    "torp vik ås ö ull kvist bo fjäll gård mo rud",
}
_FUNCTION_WORDS = {
    "en": "the and with for from of in a to our is on by this made each your or as",
    "de": "der die das und mit für aus von in ein eine zu unser ist auf im jede oder als",
    "sv": "och med för från av i en ett till vår är på det den varje eller som att",
}
_COOP_SUFFIX = {"DE": "eG", "AT": "eGen", "SE": "ekonomisk förening", "UK": "Co-operative"}
_COOP_WORDS = (
    "Roast Bakery Works Cycles Print Weavers Makers Repair Collective Kitchen Garden Threads "
    "Wheels Paper Code Harvest Mill Loom Forge Hive Orchard Press Studio Commons Supply"
)


@dataclass(frozen=True)
class Coop:
    slug: str
    name: str
    country: str
    region: str
    currency: str
    language: str


@dataclass(frozen=True)
class Category:
    slug: str
    name: str
    #: None for a root
    parent: str | None


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_name.lower()).split())


def categories() -> list[Category]:
    """The 60 categories: each root, then its subcategories."""
    result = []
    for root, children in CATEGORY_TREE.items():
        result.append(Category(slugify(root), root, None))
        result.extend(Category(slugify(child), child, slugify(root)) for child in children)
    return result


def _made_up_words(language: str, count: int, taken: set[str], rng: random.Random) -> list[str]:
    syllables = _SYLLABLES[language].split()
    words: list[str] = []
    while len(words) < count:
        word = "".join(rng.choice(syllables) for _ in range(rng.choice((2, 2, 2, 3))))
        if 4 <= len(word) <= 14 and word not in taken:
            taken.add(word)
            words.append(word)
    return words


class Vocabulary:
    """One language's words, by frequency rank, with a sampler."""

    def __init__(self, language: str, rng: random.Random) -> None:
        real = list(dict.fromkeys(_REAL_WORDS[language].split()))
        rng.shuffle(real)
        taken = set(real)
        words = real + _made_up_words(language, VOCABULARY_SIZE - len(real), taken, rng)
        self.language = language
        self.words = np.array(words, dtype=object)
        self.capitalised = np.array([w[:1].upper() + w[1:] for w in words], dtype=object)
        self.full_stop = np.array([w + "." for w in words], dtype=object)
        self.function_words = np.array(_FUNCTION_WORDS[language].split(), dtype=object)
        ranks = np.arange(1, len(words) + 1, dtype=np.float64)
        weights = 1.0 / (ranks + ZIPF_OFFSET) ** ZIPF_EXPONENT
        self.cumulative = np.cumsum(weights / weights.sum())
        self.cumulative[-1] = 1.0

    def sample(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """Word ranks (indexes into `words`), Zipf-distributed."""
        return np.searchsorted(self.cumulative, rng.random(count), side="right")


@dataclass(frozen=True)
class QueryCase:
    """One query of the fixed mix: its sub-mix and the search it runs."""

    #: "plain", "labels", "price" or "typo"
    mix: str
    query: SearchQuery


class Corpus:
    """`size` listings, generated batch by batch; the same seed gives the same listings."""

    def __init__(self, size: int, seed: int = 5) -> None:
        self.size = size
        self.seed = seed
        rng = random.Random(seed)  # noqa: S311 - generated test data, not secrets
        self.vocabularies = {lang: Vocabulary(lang, rng) for lang in ("en", "de", "sv")}
        self.categories = categories()
        self.leaves = [c for c in self.categories if c.parent is not None]
        self._names = {c.slug: c.name for c in self.categories}
        self.coops = self._make_coops(max(5, round(size * COOPS_PER_100K / 100_000)), rng)
        leaf_weights = 1.0 / (np.arange(1, len(self.leaves) + 1) + 4.0)
        rng.shuffle(self.leaves)
        self._leaf_cumulative = np.cumsum(leaf_weights / leaf_weights.sum())
        coop_weights = 1.0 / (np.arange(1, len(self.coops) + 1) + 3.0)
        self._coop_cumulative = np.cumsum(coop_weights / coop_weights.sum())
        self._label_p = np.array(LABEL_WEIGHTS) / sum(LABEL_WEIGHTS)

    def _make_coops(self, count: int, rng: random.Random) -> list[Coop]:
        countries = list(COUNTRY_WEIGHTS)
        weights = list(COUNTRY_WEIGHTS.values())
        coops: list[Coop] = []
        names: set[str] = set()
        while len(coops) < count:
            # every country at least once, then as weighted
            first = len(coops) < len(countries)
            country = countries[len(coops)] if first else rng.choices(countries, weights)[0]
            currency, language, regions, _ = COUNTRIES[country]
            made_up = self.vocabularies[language].words[rng.randrange(300, VOCABULARY_SIZE)]
            name = f"{made_up.title()} {rng.choice(_COOP_WORDS.split())} {_COOP_SUFFIX[country]}"
            if name in names or slugify(name) in names:
                continue
            names.update((name, slugify(name)))
            region = rng.choice(regions)
            coops.append(Coop(slugify(name), name, country, region, currency, language))
        return coops

    @property
    def batches(self) -> int:
        return (self.size + BATCH - 1) // BATCH

    def documents(self) -> Iterator[ListingDocument]:
        """Every listing, in id order (ids 1 to size)."""
        for number in range(self.batches):
            yield from self.batch(number)

    def batch(self, number: int) -> list[ListingDocument]:
        """Listings `number * BATCH + 1` onwards: at most BATCH of them."""
        first = number * BATCH + 1
        count = min(BATCH, self.size - first + 1)
        if count <= 0:
            return []
        rng = np.random.default_rng([self.seed, number])
        coop_index = np.searchsorted(self._coop_cumulative, rng.random(count), side="right")
        coop_index = np.minimum(coop_index, len(self.coops) - 1)
        leaf_index = np.searchsorted(self._leaf_cumulative, rng.random(count), side="right")
        leaf_index = np.minimum(leaf_index, len(self.leaves) - 1)
        english = rng.random(count) < 0.3
        title_lengths = rng.integers(3, 9, count)
        description_lengths = rng.integers(20, 61, count)
        labelled = rng.random(count) < LABELLED_SHARE
        label_counts = rng.choice((1, 1, 1, 1, 1, 1, 2, 2, 2, 3), count)
        # Three distinct labels per listing, weighted (Gumbel top-k), of which it keeps 1 to 3.
        label_keys = np.log(self._label_p) + rng.gumbel(size=(count, len(LABELS)))
        label_draws = np.argsort(-label_keys, axis=1)[:, :3]
        service_draw = rng.random(count)
        condition_draw = rng.random(count)
        own_region = rng.random(count) < 0.9
        region_draw = rng.integers(0, 1000, count)
        prices = np.exp(rng.normal(3.0, 1.1, count))
        created = rng.integers(0, SPAN_SECONDS, count)
        # plain Python values from here on: indexing numpy arrays one by one is slow
        coop_of = [self.coops[k] for k in coop_index.tolist()]
        leaf_of = [self.leaves[k] for k in leaf_index.tolist()]
        labelled_l, counts_l, draws_l = (
            labelled.tolist(),
            label_counts.tolist(),
            label_draws.tolist(),
        )
        service_l, condition_l = service_draw.tolist(), condition_draw.tolist()
        own_region_l, region_l = own_region.tolist(), region_draw.tolist()
        prices_l, created_l = prices.tolist(), created.tolist()

        languages = [
            "en" if e else coop.language for e, coop in zip(english.tolist(), coop_of, strict=True)
        ]
        texts: dict[int, tuple[str, str]] = {}
        for language, vocabulary in self.vocabularies.items():
            members = [i for i in range(count) if languages[i] == language]
            if members:
                texts.update(
                    self._texts(vocabulary, members, title_lengths, description_lengths, rng)
                )

        documents = []
        for i in range(count):
            coop = coop_of[i]
            leaf = leaf_of[i]
            assert leaf.parent is not None
            root = leaf.parent
            if labelled_l[i]:
                chosen = sorted(
                    (LABELS[j] for j in draws_l[i][: counts_l[i]]), key=lambda lb: lb[1]
                )
            else:
                chosen = []
            service = self._names[root] in SERVICE_ROOTS
            kind = "service" if (service_l[i] < 0.85) == service else "good"
            condition = (
                "new"
                if kind == "service" or condition_l[i] < 0.75
                else ("used" if condition_l[i] < 0.9 else "refurbished")
            )
            regions = COUNTRIES[coop.country][2]
            region = coop.region if own_region_l[i] else regions[region_l[i] % len(regions)]
            factor = COUNTRIES[coop.country][3]
            amount = int(min(max(prices_l[i] * factor * 100, 50), 50_000_000))
            if amount >= 1000:
                amount = amount // 100 * 100 - (5 if amount % 2 else 1)
            title, description = texts[i]
            documents.append(
                ListingDocument(
                    id=first + i,
                    title=title,
                    description=description,
                    language=languages[i],
                    coop_slug=coop.slug,
                    coop_name=coop.name,
                    category_path=(root, leaf.slug),
                    category_names=(self._names[root], leaf.name),
                    labels=tuple(slug for slug, _ in chosen),
                    label_names=tuple(name for _, name in chosen),
                    kind=kind,
                    condition=condition,
                    region=region,
                    price_amount=amount,
                    currency=coop.currency,
                    created_at=EPOCH + timedelta(seconds=created_l[i]),
                )
            )
        return documents

    @staticmethod
    def _texts(
        vocabulary: Vocabulary,
        members: list[int],
        title_lengths: np.ndarray,
        description_lengths: np.ndarray,
        rng: np.random.Generator,
    ) -> dict[int, tuple[str, str]]:
        """Title and description of each listing in `members` (indexes in the batch)."""
        tl = title_lengths[members]
        dl = description_lengths[members]
        title_ranks = vocabulary.sample(rng, int(tl.sum()))
        words = vocabulary.words[title_ranks]
        words[np.concatenate(([0], np.cumsum(tl)[:-1]))] = vocabulary.capitalised[
            title_ranks[np.concatenate(([0], np.cumsum(tl)[:-1]))]
        ]
        total = int(dl.sum())
        ranks = vocabulary.sample(rng, total)
        body = np.where(
            rng.random(total) < 0.1, vocabulary.full_stop[ranks], vocabulary.words[ranks]
        )
        function = rng.random(total) < FUNCTION_SHARE
        body[function] = vocabulary.function_words[
            rng.integers(0, len(vocabulary.function_words), int(function.sum()))
        ]
        result = {}
        title_words, body_words = words.tolist(), body.tolist()
        t_end, d_end = np.cumsum(tl).tolist(), np.cumsum(dl).tolist()
        t_len, d_len = tl.tolist(), dl.tolist()
        for k, i in enumerate(members):
            title = " ".join(title_words[t_end[k] - t_len[k] : t_end[k]])
            description = " ".join(body_words[d_end[k] - d_len[k] : d_end[k]])
            result[i] = (title, description[:1].upper() + description[1:].rstrip(".") + ".")
        return result

    def all_words(self) -> set[str]:
        """Every word a generated text can contain, case-folded."""
        words: set[str] = set()
        for vocabulary in self.vocabularies.values():
            words.update(vocabulary.words)
            words.update(vocabulary.function_words)
        for coop in self.coops:
            words.update(coop.name.casefold().split())
        for category in self.categories:
            words.update(category.name.casefold().split())
        return words

    def query_mix(self, count: int = 500, seed: int = 11) -> list[QueryCase]:
        """The fixed mix: 40 % plain, 25 % with labels, 20 % price sort, 15 % with a typo.

        Query words come from the titles of listings spread over the corpus (so most queries
        find something, and frequent words make broad queries, as buyers' do); every query is
        a full results page: facet counts, top 20, snippets.
        """
        rng = random.Random(seed)  # noqa: S311 - generated test data, not secrets
        sample_batches = sorted(rng.sample(range(self.batches), min(self.batches, 25)))
        sources = [doc for number in sample_batches for doc in self.batch(number)]
        known = self.all_words()
        function_words = {w for words in _FUNCTION_WORDS.values() for w in words.split()}
        plan = (
            ["plain"] * round(count * 0.40)
            + ["labels"] * round(count * 0.25)
            + ["price"] * round(count * 0.20)
        )
        plan += ["typo"] * (count - len(plan))
        rng.shuffle(plan)
        cases = []
        labelled = [doc for doc in sources if doc.labels]
        for mix in plan:
            # label filters mostly on listings that have labels, as buyers pick offered facets
            doc = rng.choice(labelled if mix == "labels" and rng.random() < 0.8 else sources)
            words = [w.casefold() for w in doc.title.split() if w.casefold() not in function_words]
            size = rng.choices((1, 2, 3), (0.4, 0.35, 0.25))[0]
            chosen = rng.sample(words, min(size, len(words)))
            fields: dict[str, object] = {}
            if mix == "labels":
                slugs = [slug for slug, _ in LABELS]
                own = list(doc.labels)
                picked = own[: rng.choice((1, 1, 2))]
                if not picked:
                    picked = rng.sample(slugs, rng.choice((1, 1, 2)))
                fields["labels"] = tuple(sorted(picked))
                extra = rng.random()
                if extra < 0.25:
                    fields["categories"] = (doc.category_path[0],)
                elif extra < 0.4:
                    fields["regions"] = (doc.region,)
                elif extra < 0.5:
                    fields["max_price"] = max(doc.price_amount * 2, 1000)
            elif mix == "price":
                fields["sort"] = rng.choice(("price_asc", "price_desc"))
                if rng.random() < 0.3:
                    fields["labels"] = (rng.choice([slug for slug, _ in LABELS]),)
            elif mix == "typo":
                long_words = [w for w in chosen if len(w) >= 5] or [w for w in words if len(w) >= 5]
                if long_words:
                    target = rng.choice(long_words)
                    if target not in chosen:
                        chosen = [target, *chosen[:1]]
                    typo = _typo(target, known, rng)
                    chosen = [typo if w == target else w for w in chosen]
            cases.append(QueryCase(mix, SearchQuery(text=" ".join(chosen), per_page=20, **fields)))  # type: ignore[arg-type]
        return cases

    def warmup_queries(self, count: int = 20) -> list[SearchQuery]:
        """Queries outside the mix, to open searchers and fill caches before the clock runs."""
        return [case.query for case in self.query_mix(count, seed=97)]


def _typo(word: str, known: set[str], rng: random.Random) -> str:
    """The word with one letter dropped, doubled, swapped or replaced: not a word of the corpus."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    for _ in range(50):
        at = rng.randrange(1, len(word) - 1)
        edit = rng.choice(("drop", "swap", "replace", "insert"))
        if edit == "drop":
            typo = word[:at] + word[at + 1 :]
        elif edit == "swap":
            typo = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
        elif edit == "replace":
            typo = word[:at] + rng.choice(letters) + word[at + 1 :]
        else:
            typo = word[:at] + rng.choice(letters) + word[at:]
        if typo not in known and typo != word:
            return typo
    return word
