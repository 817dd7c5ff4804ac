"""The tickets both sides of ``search_bench.py`` search: the same text for SecondLine and for
django-helpdesk, made from a seed (pure Python, no Django, importable by either interpreter).

Each ticket is about two topics (drawn with Zipf-like weights, so some topics are common and
some rare), written in Russian or English in varying word forms, with filler words; each has
``comments`` comments about the same topics.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

# Topics: the word forms a text uses; the query searches one form (often another one).
TOPICS = [
    ["отгрузка", "отгрузки", "отгрузку", "отгрузкой", "ОТГРУЗКИ"],
    ["накладная", "накладные", "накладной", "накладных"],
    ["склад", "склада", "складе", "складом"],
    ["остатки", "остатков", "остаткам"],
    ["инвентаризация", "инвентаризации", "инвентаризацию"],
    ["поставщик", "поставщика", "поставщиков"],
    ["заказ", "заказа", "заказы", "заказов"],
    ["счёт-фактура", "счета-фактуры", "счетов-фактур"],
    ["прайс-лист", "прайс-листа", "прайс-листы"],
    ["выгрузка", "выгрузки", "выгрузку"],
    ["печать", "печати", "печатью"],
    ["маркировка", "маркировки", "маркировку"],
    ["лицензия", "лицензии", "лицензий"],
    ["обновление", "обновления", "обновлением"],
    ["резервирование", "резервирования", "резерв"],
    ["возврат", "возврата", "возвраты"],
    ["терминал", "терминала", "терминалы"],
    ["сверка", "сверки", "сверку"],
    ["shipment", "shipments", "shipping", "shipped"],
    ["invoice", "invoices", "invoicing"],
    ["warehouse", "warehouses"],
    ["report", "reports", "reporting"],
    ["export", "exports", "exporting", "exported"],
    ["posting", "posted", "posts"],
    ["barcode", "barcodes"],
    ["backup", "backups"],
    ["timeout", "timeouts"],
    ["discount", "discounts", "discounted"],
    ["reconciliation", "reconciliations", "reconcile"],
    ["replication", "replicated", "replicating"],
]
QUERIES = [
    "отгрузк",
    "накладные",
    "складе",
    "остатков",
    "инвентаризация",
    "поставщики",
    "заказы",
    "счета-фактуры",
    "выгрузку",
    "печати",
    "маркировка",
    "лицензий",
    "обновлением",
    "возвраты",
    "терминалы",
    "сверка",
    "shipped",
    "invoices",
    "warehouse",
    "reporting",
    "exported",
    "barcodes",
    "backup",
    "timeouts",
    "discounted",
    "reconciliation",
    "replicating",
    "отгрузка склад",
    "invoice export",
    "печать накладной",
]
SYLLABLES = (
    ["ка", "ро", "ми", "та", "ле", "ну", "зо", "ри"],
    ["ve", "lo", "tan", "mer", "sol", "dri"],
)


@dataclass
class TicketText:
    subject: str
    description: str
    comments: list[tuple[str, bool]]  # text, public
    email: str


def _filler(rnd: random.Random, count: int) -> Iterator[str]:
    for _ in range(count):
        syllables = rnd.choice(SYLLABLES)
        yield "".join(rnd.choice(syllables) for _ in range(rnd.randint(2, 3)))


def _sentence(rnd: random.Random, topics: list[list[str]], words: int) -> str:
    parts = list(_filler(rnd, words))
    for topic in topics:
        parts.insert(rnd.randrange(len(parts) + 1), rnd.choice(topic))
    return " ".join(parts).capitalize() + "."


def tickets(count: int, comments: int, seed: int = 2026) -> Iterator[TicketText]:
    rnd = random.Random(seed)
    weights = [1 / (rank + 1) for rank in range(len(TOPICS))]
    order = TOPICS[:]
    rnd.shuffle(order)
    for n in range(count):
        topics = rnd.choices(order, weights=weights, k=2)
        yield TicketText(
            subject=f"{_sentence(rnd, topics, 3)[:-1]} {n}",
            description=" ".join(_sentence(rnd, topics, 8) for _ in range(3)),
            comments=[
                (_sentence(rnd, topics[: 1 + c % 2], 12), c % 5 != 4) for c in range(comments)
            ],
            email=f"user{n % 3000}@customer{n % 20}.example",
        )
