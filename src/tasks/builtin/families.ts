/**
 * The built-in task families. Each computes its expected outputs in TypeScript (never by running
 * Python); `test/builtin` checks the references against these values through the sandbox.
 */
import { body, defineFamily, type AnyFamily } from './family.js';
import type { Rng } from './prng.js';
import { dict, pyFloorDiv, pyMod, pySplit, pyStr as q, type PyValue } from './pyvalue.js';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz'.split('');
const range = (lo: number, hi: number): number[] => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

const str = (v: PyValue): string => v as string;
const num = (v: PyValue): number => v as number;
const ints = (v: PyValue): number[] => v as number[];
type Dict = { dict: Array<[PyValue, PyValue]> };
const entries = (v: PyValue): Array<[string, number]> => (v as Dict).dict as Array<[string, number]>;

/** A random lowercase string that contains `ch` a few times (when given). */
function textWith(rng: Rng, ch?: string, alphabet = 'abcdefghijklmnopqrstuvwxyz'): string {
  let s = rng.word(0, 9, alphabet);
  if (ch !== undefined) {
    const k = rng.int(0, 3);
    for (let i = 0; i < k; i++) {
      const at = rng.int(0, s.length);
      s = s.slice(0, at) + ch + s.slice(at);
    }
  }
  return s;
}
function sentence(rng: Rng, minWords = 0, maxWords = 6): string {
  const n = rng.int(minWords, maxWords);
  return Array.from({ length: n }, () => rng.word(1, 8)).join(' ');
}
function intList(rng: Rng, lo = -10, hi = 20, maxLen = 8): number[] {
  return rng.intList(rng.int(1, maxLen), lo, hi);
}
function smallDict(rng: Rng, lo = -5, hi = 20): PyValue {
  const n = rng.int(1, 5);
  const keys = rng.shuffle(['a', 'b', 'c', 'x', 'y', 'z', 'key', 'red', 'blue', 'cat', 'dog', 'sun']).slice(0, n);
  return dict(keys.map((k) => [k, rng.int(lo, hi)]));
}
const countOf = (s: string, ch: string) => [...s].filter((x) => x === ch).length;

type Pair = [string, string];
const letterPairs: Pair[] = [['a', 'e'], ['b', 'd'], ['o', '0'], ['e', '3'], ['s', 'z'], ['i', '1'], ['t', '7'], ['l', 'r'], ['x', 'y'], ['u', 'v']];
const prefixes = ['pre', 're', 'un', 'ab', 'co', 'de', 'in', 'ex', 'sub', 'tri', 'mis', 'non'];
const charSets = ['aeiou', 'xyz', 'abc', 'mn', 'rst', 'lp', 'aei', 'ou', 'bcd', 'hk', 'qw', 'gfe'];
const wordsPairs: Pair[] = [['yes', 'no'], ['high', 'low'], ['big', 'small'], ['on', 'off'], ['hot', 'cold'], ['pass', 'fail'], ['up', 'down'], ['open', 'closed']];
const bounds: Array<[number, number]> = [[0, 10], [1, 5], [-3, 3], [2, 9], [0, 100], [5, 15], [-10, 0], [3, 7], [10, 20], [-5, 5]];

export const FAMILIES: AnyFamily[] = [
  // ---------------------------------------------------------------- strings
  defineFamily<string>({
    id: 'count_char',
    category: 'strings',
    names: ['count_char', 'char_count', 'count_letter'],
    argNames: [['s'], ['text']],
    constants: LETTERS,
    phrasings: [
      ({ c, args: [a] }) => `Return the number of times the letter ${q(c)} appears in the string ${a}.`,
      ({ c, args: [a] }) => `Count how many characters of ${a} are equal to ${q(c)}.`,
      ({ c, args: [a] }) => `Given a string ${a}, return how many occurrences of ${q(c)} it contains.`,
      ({ c, args: [a] }) => `How often does ${q(c)} occur in ${a}? Return that count.`,
    ],
    edges: (c) => [[''], [c], [c + c + c]],
    random: (rng, c) => [textWith(rng, c)],
    expected: (c, [s]) => countOf(str(s), c),
    solutions: [
      ({ c, args: [a] }) => body(`return ${a}.count(${q(c)})`),
      ({ c, args: [a] }) => body('count = 0', `for ch in ${a}:`, `    if ch == ${q(c)}:`, '        count += 1', 'return count'),
      ({ c, args: [a] }) => body(`return sum(1 for ch in ${a} if ch == ${q(c)})`),
    ],
  }),
  defineFamily<Pair>({
    id: 'replace_char',
    category: 'strings',
    names: ['replace_char', 'swap_letter', 'substitute'],
    argNames: [['s'], ['text']],
    constants: letterPairs,
    phrasings: [
      ({ c: [x, y], args: [a] }) => `Return a copy of ${a} in which every ${q(x)} is replaced by ${q(y)}.`,
      ({ c: [x, y], args: [a] }) => `Replace each occurrence of ${q(x)} in the string ${a} with ${q(y)} and return the result.`,
      ({ c: [x, y], args: [a] }) => `Given ${a}, change all ${q(x)} characters to ${q(y)}.`,
      ({ c: [x, y], args: [a] }) => `Build a new string from ${a} where ${q(x)} becomes ${q(y)}; other characters stay the same.`,
    ],
    edges: ([x]) => [[''], [x], [x + 'b' + x]],
    random: (rng, [x]) => [textWith(rng, x)],
    expected: ([x, y], [s]) => str(s).split(x).join(y),
    solutions: [
      ({ c: [x, y], args: [a] }) => body(`return ${a}.replace(${q(x)}, ${q(y)})`),
      ({ c: [x, y], args: [a] }) => body("result = ''", `for ch in ${a}:`, `    if ch == ${q(x)}:`, `        result += ${q(y)}`, '    else:', '        result += ch', 'return result'),
      ({ c: [x, y], args: [a] }) => body(`return ''.join(${q(y)} if ch == ${q(x)} else ch for ch in ${a})`),
    ],
  }),
  defineFamily<string>({
    id: 'has_prefix',
    category: 'strings',
    names: ['has_prefix', 'starts_with', 'begins_with'],
    argNames: [['s'], ['word']],
    constants: prefixes,
    phrasings: [
      ({ c, args: [a] }) => `Return True if the string ${a} starts with ${q(c)}, otherwise False.`,
      ({ c, args: [a] }) => `Check whether ${a} begins with the prefix ${q(c)}.`,
      ({ c, args: [a] }) => `Does ${a} start with ${q(c)}? Return a boolean.`,
      ({ c, args: [a] }) => `Tell whether the first characters of ${a} are ${q(c)} (True or False).`,
    ],
    edges: (c) => [[''], [c], [c.slice(0, -1)], ['x' + c]],
    random: (rng, c) => [rng.chance(0.5) ? c + rng.word(0, 5) : rng.word(0, 7)],
    expected: (c, [s]) => str(s).startsWith(c),
    solutions: [
      ({ c, args: [a] }) => body(`return ${a}.startswith(${q(c)})`),
      ({ c, args: [a] }) => body(`return ${a}[:${c.length}] == ${q(c)}`),
      ({ c, args: [a] }) => body(`if len(${a}) < ${c.length}:`, '    return False', `return ${a}[:${c.length}] == ${q(c)}`),
    ],
  }),
  defineFamily<number>({
    id: 'repeat_string',
    category: 'strings',
    names: ['repeat_string', 'repeat', 'times_string'],
    argNames: [['s'], ['text']],
    constants: range(2, 9),
    phrasings: [
      ({ c, args: [a] }) => `Return the string ${a} repeated ${c} times.`,
      ({ c, args: [a] }) => `Concatenate ${c} copies of ${a} and return the result.`,
      ({ c, args: [a] }) => `Given a string ${a}, build a string made of ${a} written ${c} times in a row.`,
      ({ c, args: [a] }) => `Write ${a} out ${c} times, joined with nothing in between.`,
    ],
    edges: () => [[''], ['a'], ['ab']],
    random: (rng) => [rng.word(1, 4)],
    expected: (c, [s]) => str(s).repeat(c),
    solutions: [
      ({ c, args: [a] }) => body(`return ${a} * ${c}`),
      ({ c, args: [a] }) => body("result = ''", `for _ in range(${c}):`, `    result += ${a}`, 'return result'),
      ({ c, args: [a] }) => body(`return ''.join([${a}] * ${c})`),
    ],
  }),
  defineFamily<number>({
    id: 'first_chars',
    category: 'strings',
    names: ['first_chars', 'head', 'take_prefix'],
    argNames: [['s'], ['text']],
    constants: range(1, 9),
    phrasings: [
      ({ c, args: [a] }) => `Return the first ${c} characters of the string ${a} (all of ${a} if it is shorter).`,
      ({ c, args: [a] }) => `Given ${a}, return its prefix of length ${c}, or the whole string when it has fewer than ${c} characters.`,
      ({ c, args: [a] }) => `Cut ${a} down to at most ${c} characters, keeping the beginning.`,
      ({ c, args: [a] }) => `Keep only the leading ${c} characters of ${a}.`,
    ],
    edges: (c) => [[''], ['x'.repeat(c)], ['y'.repeat(c + 2)]],
    random: (rng) => [rng.word(0, 12)],
    expected: (c, [s]) => str(s).slice(0, c),
    solutions: [
      ({ c, args: [a] }) => body(`return ${a}[:${c}]`),
      ({ c, args: [a] }) => body("result = ''", `for i in range(min(${c}, len(${a}))):`, `    result += ${a}[i]`, 'return result'),
    ],
  }),
  defineFamily<number>({
    id: 'last_chars',
    category: 'strings',
    names: ['last_chars', 'tail', 'take_suffix'],
    argNames: [['s'], ['text']],
    constants: range(1, 9),
    phrasings: [
      ({ c, args: [a] }) => `Return the last ${c} characters of the string ${a} (all of ${a} if it is shorter).`,
      ({ c, args: [a] }) => `Given ${a}, return its suffix of length ${c}, or the whole string when it is shorter than that.`,
      ({ c, args: [a] }) => `Keep only the final ${c} characters of ${a}.`,
      ({ c, args: [a] }) => `Return the ending of ${a}: at most ${c} characters taken from the right.`,
    ],
    edges: (c) => [[''], ['x'.repeat(c)], ['ab' + 'y'.repeat(c)]],
    random: (rng) => [rng.word(0, 12)],
    expected: (c, [s]) => str(s).slice(Math.max(0, str(s).length - c)),
    solutions: [
      ({ c, args: [a] }) => body(`return ${a}[-${c}:]`),
      ({ c, args: [a] }) => body(`if len(${a}) <= ${c}:`, `    return ${a}`, `return ${a}[len(${a}) - ${c}:]`),
    ],
  }),
  defineFamily<string>({
    id: 'count_in_set',
    category: 'strings',
    names: ['count_special', 'count_chars_in', 'count_matching'],
    argNames: [['s'], ['text']],
    constants: charSets,
    phrasings: [
      ({ c, args: [a] }) => `Count the characters of ${a} that are one of the letters in ${q(c)}.`,
      ({ c, args: [a] }) => `Return how many characters in the string ${a} belong to the set of letters ${q(c)}.`,
      ({ c, args: [a] }) => `Given ${a}, return the number of its characters found in ${q(c)}.`,
      ({ c, args: [a] }) => `How many letters of ${a} appear in ${q(c)}? Return the count.`,
    ],
    edges: (c) => [[''], [c], ['w']],
    random: (rng, c) => [textWith(rng, c[0], 'abcdefghijklmnopqrstuvwxyz' + c + c)],
    expected: (c, [s]) => [...str(s)].filter((ch) => c.includes(ch)).length,
    solutions: [
      ({ c, args: [a] }) => body('count = 0', `for ch in ${a}:`, `    if ch in ${q(c)}:`, '        count += 1', 'return count'),
      ({ c, args: [a] }) => body(`return sum(1 for ch in ${a} if ch in ${q(c)})`),
      ({ c, args: [a] }) => body(`return len([ch for ch in ${a} if ch in ${q(c)}])`),
    ],
  }),
  defineFamily<string>({
    id: 'remove_char',
    category: 'strings',
    names: ['remove_char', 'strip_letter', 'delete_char'],
    argNames: [['s'], ['text']],
    constants: LETTERS,
    phrasings: [
      ({ c, args: [a] }) => `Return ${a} with every ${q(c)} removed.`,
      ({ c, args: [a] }) => `Delete all occurrences of the character ${q(c)} from the string ${a}.`,
      ({ c, args: [a] }) => `Given a string ${a}, return it without any ${q(c)} characters.`,
      ({ c, args: [a] }) => `Drop each ${q(c)} from ${a} and return what is left.`,
    ],
    edges: (c) => [[''], [c + c], ['q' + c + 'q']],
    random: (rng, c) => [textWith(rng, c)],
    expected: (c, [s]) => [...str(s)].filter((ch) => ch !== c).join(''),
    solutions: [
      ({ c, args: [a] }) => body(`return ${a}.replace(${q(c)}, '')`),
      ({ c, args: [a] }) => body("result = ''", `for ch in ${a}:`, `    if ch != ${q(c)}:`, '        result += ch', 'return result'),
      ({ c, args: [a] }) => body(`return ''.join(ch for ch in ${a} if ch != ${q(c)})`),
    ],
  }),
  defineFamily<number>({
    id: 'every_kth_char',
    category: 'strings',
    names: ['every_kth', 'skip_chars', 'sample_chars'],
    argNames: [['s'], ['text']],
    constants: range(2, 7),
    phrasings: [
      ({ c, args: [a] }) => `Return every ${c}th character of ${a}, starting with the first one.`,
      ({ c, args: [a] }) => `Build a string from the characters of ${a} at positions 0, ${c}, ${2 * c}, and so on.`,
      ({ c, args: [a] }) => `Given ${a}, keep the characters whose index is a multiple of ${c}.`,
      ({ c, args: [a] }) => `Take one character of ${a}, skip ${c - 1}, take the next, and so on; return the taken characters.`,
    ],
    edges: () => [[''], ['a'], ['abcdefghijkl']],
    random: (rng) => [rng.word(0, 14)],
    expected: (c, [s]) => [...str(s)].filter((_, i) => i % c === 0).join(''),
    solutions: [
      ({ c, args: [a] }) => body(`return ${a}[::${c}]`),
      ({ c, args: [a] }) => body("result = ''", `for i in range(0, len(${a}), ${c}):`, `    result += ${a}[i]`, 'return result'),
    ],
  }),
  defineFamily<number>({
    id: 'long_words',
    category: 'strings',
    names: ['long_words', 'words_longer_than', 'filter_words'],
    argNames: [['sentence'], ['text']],
    constants: range(1, 7),
    phrasings: [
      ({ c, args: [a] }) => `Return the list of words in ${a} (split on whitespace) that have more than ${c} characters.`,
      ({ c, args: [a] }) => `Split the string ${a} into words and keep those longer than ${c} letters, in order.`,
      ({ c, args: [a] }) => `Given a sentence ${a}, return the words whose length is greater than ${c}.`,
      ({ c, args: [a] }) => `Which words of ${a} are longer than ${c}? Return them as a list.`,
    ],
    edges: (c) => [[''], ['a'.repeat(c)], ['a'.repeat(c + 1) + ' b']],
    random: (rng) => [sentence(rng)],
    expected: (c, [s]) => pySplit(str(s)).filter((w) => w.length > c),
    solutions: [
      ({ c, args: [a] }) => body(`return [w for w in ${a}.split() if len(w) > ${c}]`),
      ({ c, args: [a] }) => body('result = []', `for word in ${a}.split():`, `    if len(word) > ${c}:`, '        result.append(word)', 'return result'),
    ],
  }),
  defineFamily<number>({
    id: 'count_words_len',
    category: 'strings',
    names: ['count_words_of_length', 'words_with_length', 'count_sized_words'],
    argNames: [['sentence'], ['text']],
    constants: range(1, 7),
    phrasings: [
      ({ c, args: [a] }) => `Count the words in ${a} (split on whitespace) that have exactly ${c} characters.`,
      ({ c, args: [a] }) => `Return how many words of the string ${a} are ${c} letters long.`,
      ({ c, args: [a] }) => `Given a sentence ${a}, return the number of its words of length ${c}.`,
      ({ c, args: [a] }) => `Split ${a} into words; how many of them have length ${c}?`,
    ],
    edges: (c) => [[''], ['a'.repeat(c)], ['a'.repeat(c + 1)]],
    random: (rng) => [sentence(rng)],
    expected: (c, [s]) => pySplit(str(s)).filter((w) => w.length === c).length,
    solutions: [
      ({ c, args: [a] }) => body(`return len([w for w in ${a}.split() if len(w) == ${c}])`),
      ({ c, args: [a] }) => body('count = 0', `for word in ${a}.split():`, `    if len(word) == ${c}:`, '        count += 1', 'return count'),
      ({ c, args: [a] }) => body(`return sum(1 for w in ${a}.split() if len(w) == ${c})`),
    ],
  }),
  defineFamily<string>({
    id: 'add_prefix',
    category: 'strings',
    names: ['add_prefix', 'prepend', 'with_prefix'],
    argNames: [['s'], ['word']],
    constants: prefixes,
    phrasings: [
      ({ c, args: [a] }) => `Return the string ${a} with ${q(c)} added to the front.`,
      ({ c, args: [a] }) => `Put the prefix ${q(c)} before ${a} and return the result.`,
      ({ c, args: [a] }) => `Given ${a}, return ${q(c)} followed by ${a}.`,
      ({ c, args: [a] }) => `Glue ${q(c)} onto the beginning of ${a}.`,
    ],
    edges: () => [[''], ['x']],
    random: (rng) => [rng.word(1, 8)],
    expected: (c, [s]) => c + str(s),
    solutions: [
      ({ c, args: [a] }) => body(`return ${q(c)} + ${a}`),
      ({ c, args: [a] }) => body(`return f'${c}{${a}}'`),
      ({ c, args: [a] }) => body(`result = ${q(c)}`, `result += ${a}`, 'return result'),
    ],
  }),
  defineFamily<number>({
    id: 'longer_than',
    category: 'conditionals',
    names: ['is_long', 'longer_than', 'too_long'],
    argNames: [['s'], ['text']],
    constants: range(2, 12),
    phrasings: [
      ({ c, args: [a] }) => `Return True if the string ${a} has more than ${c} characters, and False otherwise.`,
      ({ c, args: [a] }) => `Check whether len(${a}) is greater than ${c}.`,
      ({ c, args: [a] }) => `Is ${a} longer than ${c} characters? Return a boolean.`,
      ({ c, args: [a] }) => `Decide if ${a} exceeds ${c} characters in length.`,
    ],
    edges: (c) => [[''], ['a'.repeat(c)], ['a'.repeat(c + 1)]],
    random: (rng, c) => [rng.word(0, c + 4)],
    expected: (c, [s]) => str(s).length > c,
    solutions: [
      ({ c, args: [a] }) => body(`return len(${a}) > ${c}`),
      ({ c, args: [a] }) => body(`if len(${a}) > ${c}:`, '    return True', 'return False'),
    ],
  }),
  // ---------------------------------------------------------------- lists
  defineFamily<number>({
    id: 'add_to_each',
    category: 'lists',
    names: ['add_to_each', 'shift_all', 'increase_all'],
    argNames: [['nums'], ['xs'], ['values']],
    constants: range(1, 15),
    phrasings: [
      ({ c, args: [a] }) => `Return a new list with ${c} added to every element of ${a}.`,
      ({ c, args: [a] }) => `Given a list of integers ${a}, add ${c} to each number and return the resulting list.`,
      ({ c, args: [a] }) => `Increase each value in ${a} by ${c}.`,
      ({ c, args: [a] }) => `Map every number x in ${a} to x + ${c}.`,
    ],
    edges: () => [[[]], [[0]], [[-5, 5]]],
    random: (rng) => [intList(rng)],
    expected: (c, [xs]) => ints(xs).map((x) => x + c),
    solutions: [
      ({ c, args: [a] }) => body(`return [x + ${c} for x in ${a}]`),
      ({ c, args: [a] }) => body('result = []', `for x in ${a}:`, `    result.append(x + ${c})`, 'return result'),
      ({ c, args: [a] }) => body(`return list(map(lambda x: x + ${c}, ${a}))`),
    ],
  }),
  defineFamily<number>({
    id: 'multiply_each',
    category: 'lists',
    names: ['multiply_each', 'scale', 'times_all'],
    argNames: [['nums'], ['xs'], ['values']],
    constants: range(2, 12),
    phrasings: [
      ({ c, args: [a] }) => `Return a new list where every element of ${a} is multiplied by ${c}.`,
      ({ c, args: [a] }) => `Given a list of integers ${a}, multiply each number by ${c} and return the list.`,
      ({ c, args: [a] }) => `Scale all values in ${a} by a factor of ${c}.`,
      ({ c, args: [a] }) => `Map every number x in ${a} to x * ${c}.`,
    ],
    edges: () => [[[]], [[0]], [[-3, 1]]],
    random: (rng) => [intList(rng)],
    expected: (c, [xs]) => ints(xs).map((x) => x * c),
    solutions: [
      ({ c, args: [a] }) => body(`return [x * ${c} for x in ${a}]`),
      ({ c, args: [a] }) => body('result = []', `for x in ${a}:`, `    result.append(x * ${c})`, 'return result'),
    ],
  }),
  defineFamily<number>({
    id: 'filter_greater',
    category: 'lists',
    names: ['filter_greater', 'above', 'keep_large'],
    argNames: [['nums'], ['xs'], ['values']],
    constants: range(-3, 12),
    phrasings: [
      ({ c, args: [a] }) => `Return the elements of ${a} that are greater than ${c}, in their original order.`,
      ({ c, args: [a] }) => `Given a list of integers ${a}, keep only the numbers strictly larger than ${c}.`,
      ({ c, args: [a] }) => `Filter ${a}, removing every value that is ${c} or less.`,
      ({ c, args: [a] }) => `Which numbers in ${a} exceed ${c}? Return them as a list.`,
    ],
    edges: (c) => [[[]], [[c]], [[c + 1, c - 1]]],
    random: (rng, c) => [intList(rng, c - 8, c + 8)],
    expected: (c, [xs]) => ints(xs).filter((x) => x > c),
    solutions: [
      ({ c, args: [a] }) => body(`return [x for x in ${a} if x > ${c}]`),
      ({ c, args: [a] }) => body('result = []', `for x in ${a}:`, `    if x > ${c}:`, '        result.append(x)', 'return result'),
      ({ c, args: [a] }) => body(`return list(filter(lambda x: x > ${c}, ${a}))`),
    ],
  }),
  defineFamily<number>({
    id: 'filter_less',
    category: 'lists',
    names: ['filter_less', 'below', 'keep_small'],
    argNames: [['nums'], ['xs'], ['values']],
    constants: range(-3, 12),
    phrasings: [
      ({ c, args: [a] }) => `Return the elements of ${a} that are less than ${c}, in their original order.`,
      ({ c, args: [a] }) => `Given a list of integers ${a}, keep only the numbers strictly smaller than ${c}.`,
      ({ c, args: [a] }) => `Filter ${a}, removing every value that is ${c} or more.`,
      ({ c, args: [a] }) => `Which numbers in ${a} are below ${c}? Return them as a list.`,
    ],
    edges: (c) => [[[]], [[c]], [[c + 1, c - 1]]],
    random: (rng, c) => [intList(rng, c - 8, c + 8)],
    expected: (c, [xs]) => ints(xs).filter((x) => x < c),
    solutions: [
      ({ c, args: [a] }) => body(`return [x for x in ${a} if x < ${c}]`),
      ({ c, args: [a] }) => body('result = []', `for x in ${a}:`, `    if x < ${c}:`, '        result.append(x)', 'return result'),
    ],
  }),
  defineFamily<number>({
    id: 'count_equal',
    category: 'lists',
    names: ['count_value', 'occurrences', 'count_equal'],
    argNames: [['nums'], ['xs'], ['values']],
    constants: range(0, 12),
    phrasings: [
      ({ c, args: [a] }) => `Return how many times the number ${c} appears in the list ${a}.`,
      ({ c, args: [a] }) => `Count the elements of ${a} that are equal to ${c}.`,
      ({ c, args: [a] }) => `Given a list of integers ${a}, return the number of occurrences of ${c}.`,
      ({ c, args: [a] }) => `How many entries of ${a} equal ${c}?`,
    ],
    edges: (c) => [[[]], [[c, c]], [[c + 1]]],
    random: (rng, c) => [intList(rng, c - 2, c + 2)],
    expected: (c, [xs]) => ints(xs).filter((x) => x === c).length,
    solutions: [
      ({ c, args: [a] }) => body(`return ${a}.count(${c})`),
      ({ c, args: [a] }) => body('count = 0', `for x in ${a}:`, `    if x == ${c}:`, '        count += 1', 'return count'),
      ({ c, args: [a] }) => body(`return sum(1 for x in ${a} if x == ${c})`),
    ],
  }),
  defineFamily<number>({
    id: 'sum_greater',
    category: 'lists',
    names: ['sum_above', 'sum_greater', 'total_large'],
    argNames: [['nums'], ['xs'], ['values']],
    constants: range(-2, 10),
    phrasings: [
      ({ c, args: [a] }) => `Return the sum of the elements of ${a} that are greater than ${c}.`,
      ({ c, args: [a] }) => `Add up every number in the list ${a} that is larger than ${c}.`,
      ({ c, args: [a] }) => `Given ${a}, return the total of its values above ${c} (0 if there are none).`,
      ({ c, args: [a] }) => `Sum only those numbers of ${a} which exceed ${c}.`,
    ],
    edges: (c) => [[[]], [[c]], [[c + 1, c + 2]]],
    random: (rng, c) => [intList(rng, c - 8, c + 8)],
    expected: (c, [xs]) => ints(xs).filter((x) => x > c).reduce((s, x) => s + x, 0),
    solutions: [
      ({ c, args: [a] }) => body(`return sum(x for x in ${a} if x > ${c})`),
      ({ c, args: [a] }) => body('total = 0', `for x in ${a}:`, `    if x > ${c}:`, '        total += x', 'return total'),
    ],
  }),
  defineFamily<number>({
    id: 'index_of',
    category: 'lists',
    names: ['index_of', 'find_index', 'position'],
    argNames: [['nums'], ['xs'], ['values']],
    constants: range(0, 12),
    phrasings: [
      ({ c, args: [a] }) => `Return the index of the first occurrence of ${c} in the list ${a}, or -1 if it is not there.`,
      ({ c, args: [a] }) => `Find where ${c} first appears in ${a}; return its position, or -1 when it is absent.`,
      ({ c, args: [a] }) => `Given ${a}, return the smallest index i with ${a}[i] == ${c}, and -1 if there is none.`,
      ({ c, args: [a] }) => `Search ${a} for the value ${c} and report its first index (-1 if missing).`,
    ],
    edges: (c) => [[[]], [[c]], [[c + 1, c, c]]],
    random: (rng, c) => [intList(rng, c - 3, c + 3)],
    expected: (c, [xs]) => ints(xs).indexOf(c),
    solutions: [
      ({ c, args: [a] }) => body(`for i in range(len(${a})):`, `    if ${a}[i] == ${c}:`, '        return i', 'return -1'),
      ({ c, args: [a] }) => body(`if ${c} in ${a}:`, `    return ${a}.index(${c})`, 'return -1'),
      ({ c, args: [a] }) => body(`for i, x in enumerate(${a}):`, `    if x == ${c}:`, '        return i', 'return -1'),
    ],
  }),
  defineFamily<[number, number]>({
    id: 'replace_value',
    category: 'lists',
    names: ['replace_value', 'swap_values', 'substitute_all'],
    argNames: [['nums'], ['xs'], ['values']],
    constants: [[0, 1], [1, 0], [2, 5], [3, 9], [5, -1], [7, 0], [4, 4 * 10], [9, 3], [6, 2], [8, -8]],
    phrasings: [
      ({ c: [x, y], args: [a] }) => `Return a new list where every ${x} in ${a} is replaced by ${y}.`,
      ({ c: [x, y], args: [a] }) => `Given a list of integers ${a}, change each occurrence of ${x} to ${y}.`,
      ({ c: [x, y], args: [a] }) => `Copy ${a}, substituting ${y} for every element equal to ${x}.`,
      ({ c: [x, y], args: [a] }) => `Build a list like ${a} but with the value ${x} swapped out for ${y}.`,
    ],
    edges: ([x]) => [[[]], [[x]], [[x, x + 1, x]]],
    random: (rng, [x]) => [intList(rng, x - 2, x + 2)],
    expected: ([x, y], [xs]) => ints(xs).map((v) => (v === x ? y : v)),
    solutions: [
      ({ c: [x, y], args: [a] }) => body(`return [${y} if v == ${x} else v for v in ${a}]`),
      ({ c: [x, y], args: [a] }) => body('result = []', `for v in ${a}:`, `    if v == ${x}:`, `        result.append(${y})`, '    else:', '        result.append(v)', 'return result'),
    ],
  }),
  defineFamily<number>({
    id: 'take_first',
    category: 'lists',
    names: ['take_first', 'first_n', 'head_of'],
    argNames: [['nums'], ['xs'], ['items']],
    constants: range(1, 8),
    phrasings: [
      ({ c, args: [a] }) => `Return the first ${c} elements of the list ${a} (the whole list if it is shorter).`,
      ({ c, args: [a] }) => `Given ${a}, return a list with at most ${c} of its leading elements.`,
      ({ c, args: [a] }) => `Keep only the first ${c} items of ${a}.`,
      ({ c, args: [a] }) => `Truncate ${a} to length ${c}, keeping the front.`,
    ],
    edges: (c) => [[[]], [range(1, c)], [range(1, c + 3)]],
    random: (rng) => [intList(rng, -5, 9, 12)],
    expected: (c, [xs]) => ints(xs).slice(0, c),
    solutions: [
      ({ c, args: [a] }) => body(`return ${a}[:${c}]`),
      ({ c, args: [a] }) => body('result = []', `for x in ${a}:`, `    if len(result) == ${c}:`, '        break', '    result.append(x)', 'return result'),
    ],
  }),
  defineFamily<number>({
    id: 'every_kth',
    category: 'lists',
    names: ['every_kth_item', 'stride', 'pick_every'],
    argNames: [['nums'], ['xs'], ['items']],
    constants: range(2, 6),
    phrasings: [
      ({ c, args: [a] }) => `Return every ${c}th element of ${a}, starting with the first.`,
      ({ c, args: [a] }) => `Given a list ${a}, return the elements at indices 0, ${c}, ${2 * c}, and so on.`,
      ({ c, args: [a] }) => `Keep the items of ${a} whose position is divisible by ${c}.`,
      ({ c, args: [a] }) => `Walk through ${a} in steps of ${c} from the start and collect what you land on.`,
    ],
    edges: () => [[[]], [[7]], [range(0, 11)]],
    random: (rng) => [intList(rng, -5, 9, 12)],
    expected: (c, [xs]) => ints(xs).filter((_, i) => i % c === 0),
    solutions: [
      ({ c, args: [a] }) => body(`return ${a}[::${c}]`),
      ({ c, args: [a] }) => body('result = []', `for i in range(0, len(${a}), ${c}):`, `    result.append(${a}[i])`, 'return result'),
    ],
  }),
  defineFamily<number>({
    id: 'rotate_left',
    category: 'lists',
    names: ['rotate_left', 'rotate', 'shift_left'],
    argNames: [['nums'], ['xs'], ['items']],
    constants: range(1, 6),
    phrasings: [
      ({ c, args: [a] }) => `Rotate the list ${a} to the left by ${c} positions and return it (an empty list stays empty).`,
      ({ c, args: [a] }) => `Return ${a} with its first ${c} elements moved to the end, wrapping around when ${a} is shorter than ${c}.`,
      ({ c, args: [a] }) => `Given a list ${a}, shift every element ${c} places to the left, cyclically.`,
      ({ c, args: [a] }) => `Cyclically move the items of ${a} left ${c} times.`,
    ],
    edges: () => [[[]], [[1]], [[1, 2, 3]]],
    random: (rng) => [intList(rng, 0, 9, 9)],
    expected: (c, [xs]) => {
      const l = ints(xs);
      if (l.length === 0) return [];
      const k = c % l.length;
      return [...l.slice(k), ...l.slice(0, k)];
    },
    solutions: [
      ({ c, args: [a] }) => body(`if not ${a}:`, '    return []', `k = ${c} % len(${a})`, `return ${a}[k:] + ${a}[:k]`),
      ({ c, args: [a] }) => body(`result = list(${a})`, `for _ in range(${c}):`, '    if result:', '        result.append(result.pop(0))', 'return result'),
    ],
  }),
  defineFamily<[number, number]>({
    id: 'clamp_all',
    category: 'lists',
    names: ['clamp_all', 'clip_values', 'bound_list'],
    argNames: [['nums'], ['xs'], ['values']],
    constants: bounds,
    phrasings: [
      ({ c: [lo, hi], args: [a] }) => `Return a list where each element of ${a} is clamped to the range ${lo} to ${hi}: values below ${lo} become ${lo}, values above ${hi} become ${hi}.`,
      ({ c: [lo, hi], args: [a] }) => `Given ${a}, limit every number to be at least ${lo} and at most ${hi}.`,
      ({ c: [lo, hi], args: [a] }) => `Clip each value of ${a} into the interval [${lo}, ${hi}].`,
      ({ c: [lo, hi], args: [a] }) => `Replace numbers of ${a} smaller than ${lo} by ${lo} and those larger than ${hi} by ${hi}.`,
    ],
    edges: ([lo, hi]) => [[[]], [[lo - 1, hi + 1]], [[lo, hi]]],
    random: (rng, [lo, hi]) => [intList(rng, lo - 6, hi + 6)],
    expected: ([lo, hi], [xs]) => ints(xs).map((x) => Math.min(hi, Math.max(lo, x))),
    solutions: [
      ({ c: [lo, hi], args: [a] }) => body(`return [min(${hi}, max(${lo}, x)) for x in ${a}]`),
      ({ c: [lo, hi], args: [a] }) => body('result = []', `for x in ${a}:`, `    if x < ${lo}:`, `        x = ${lo}`, `    elif x > ${hi}:`, `        x = ${hi}`, '    result.append(x)', 'return result'),
    ],
  }),
  defineFamily<number>({
    id: 'sum_divisible',
    category: 'lists',
    names: ['sum_divisible', 'sum_multiples_in', 'total_divisible'],
    argNames: [['nums'], ['xs'], ['values']],
    constants: range(2, 9),
    phrasings: [
      ({ c, args: [a] }) => `Return the sum of the numbers in ${a} that are divisible by ${c}.`,
      ({ c, args: [a] }) => `Add up the elements of the list ${a} that are multiples of ${c}.`,
      ({ c, args: [a] }) => `Given ${a}, return the total of its values x with x % ${c} == 0.`,
      ({ c, args: [a] }) => `Sum those entries of ${a} which ${c} divides evenly.`,
    ],
    edges: (c) => [[[]], [[c]], [[1, c * 2, c + 1]]],
    random: (rng) => [intList(rng, -10, 30)],
    expected: (c, [xs]) => ints(xs).filter((x) => pyMod(x, c) === 0).reduce((s, x) => s + x, 0),
    solutions: [
      ({ c, args: [a] }) => body(`return sum(x for x in ${a} if x % ${c} == 0)`),
      ({ c, args: [a] }) => body('total = 0', `for x in ${a}:`, `    if x % ${c} == 0:`, '        total += x', 'return total'),
    ],
  }),
  defineFamily<number>({
    id: 'count_multiples',
    category: 'lists',
    names: ['count_multiples', 'count_divisible', 'how_many_multiples'],
    argNames: [['nums'], ['xs'], ['values']],
    constants: range(2, 9),
    phrasings: [
      ({ c, args: [a] }) => `Return how many numbers in ${a} are divisible by ${c}.`,
      ({ c, args: [a] }) => `Count the elements of the list ${a} that are multiples of ${c}.`,
      ({ c, args: [a] }) => `Given ${a}, return the number of values x with x % ${c} == 0.`,
      ({ c, args: [a] }) => `How many entries of ${a} does ${c} divide evenly?`,
    ],
    edges: (c) => [[[]], [[0]], [[c, c + 1]]],
    random: (rng) => [intList(rng, -10, 30)],
    expected: (c, [xs]) => ints(xs).filter((x) => pyMod(x, c) === 0).length,
    solutions: [
      ({ c, args: [a] }) => body(`return len([x for x in ${a} if x % ${c} == 0])`),
      ({ c, args: [a] }) => body('count = 0', `for x in ${a}:`, `    if x % ${c} == 0:`, '        count += 1', 'return count'),
    ],
  }),
  defineFamily<number>({
    id: 'first_greater',
    category: 'lists',
    names: ['first_greater', 'first_above', 'find_first_large'],
    argNames: [['nums'], ['xs'], ['values']],
    constants: range(0, 12),
    phrasings: [
      ({ c, args: [a] }) => `Return the first element of ${a} that is greater than ${c}, or None if there is no such element.`,
      ({ c, args: [a] }) => `Scan the list ${a} from the left and return the first number larger than ${c}; return None when none is.`,
      ({ c, args: [a] }) => `Given ${a}, find the earliest value exceeding ${c} (None if absent).`,
      ({ c, args: [a] }) => `What is the first number in ${a} above ${c}? Return None if nothing qualifies.`,
    ],
    edges: (c) => [[[]], [[c]], [[c, c + 3, c + 1]]],
    random: (rng, c) => [intList(rng, c - 6, c + 6)],
    expected: (c, [xs]) => ints(xs).find((x) => x > c) ?? null,
    solutions: [
      ({ c, args: [a] }) => body(`for x in ${a}:`, `    if x > ${c}:`, '        return x', 'return None'),
      ({ c, args: [a] }) => body(`return next((x for x in ${a} if x > ${c}), None)`),
    ],
  }),
  defineFamily<number>({
    id: 'max_plus',
    category: 'lists',
    names: ['largest_plus', 'max_plus', 'top_shifted'],
    argNames: [['nums'], ['xs'], ['values']],
    constants: range(1, 12),
    phrasings: [
      ({ c, args: [a] }) => `Return the largest element of the non-empty list ${a} plus ${c}.`,
      ({ c, args: [a] }) => `Find the maximum of ${a} (which is never empty) and add ${c} to it.`,
      ({ c, args: [a] }) => `Given a non-empty list ${a}, return max(${a}) + ${c}.`,
      ({ c, args: [a] }) => `Take the biggest number in ${a} and increase it by ${c}.`,
    ],
    edges: () => [[[0]], [[-4, -9]], [[3, 3]]],
    random: (rng) => [intList(rng)],
    expected: (c, [xs]) => Math.max(...ints(xs)) + c,
    solutions: [
      ({ c, args: [a] }) => body(`return max(${a}) + ${c}`),
      ({ c, args: [a] }) => body(`best = ${a}[0]`, `for x in ${a}:`, '    if x > best:', '        best = x', `return best + ${c}`),
    ],
  }),
  defineFamily<number>({
    id: 'min_minus',
    category: 'lists',
    names: ['smallest_minus', 'min_minus', 'low_shifted'],
    argNames: [['nums'], ['xs'], ['values']],
    constants: range(1, 12),
    phrasings: [
      ({ c, args: [a] }) => `Return the smallest element of the non-empty list ${a} minus ${c}.`,
      ({ c, args: [a] }) => `Find the minimum of ${a} (which is never empty) and subtract ${c} from it.`,
      ({ c, args: [a] }) => `Given a non-empty list ${a}, return min(${a}) - ${c}.`,
      ({ c, args: [a] }) => `Take the lowest number in ${a} and decrease it by ${c}.`,
    ],
    edges: () => [[[0]], [[4, 9]], [[-3, -3]]],
    random: (rng) => [intList(rng)],
    expected: (c, [xs]) => Math.min(...ints(xs)) - c,
    solutions: [
      ({ c, args: [a] }) => body(`return min(${a}) - ${c}`),
      ({ c, args: [a] }) => body(`low = ${a}[0]`, `for x in ${a}:`, '    if x < low:', '        low = x', `return low - ${c}`),
    ],
  }),
  // ---------------------------------------------------------------- numbers
  defineFamily<number>({
    id: 'is_divisible',
    category: 'numbers',
    names: ['is_divisible', 'divisible', 'is_multiple'],
    argNames: [['n'], ['num'], ['x']],
    constants: range(2, 13),
    phrasings: [
      ({ c, args: [a] }) => `Return True if the integer ${a} is divisible by ${c}, otherwise False.`,
      ({ c, args: [a] }) => `Check whether ${a} is a multiple of ${c}.`,
      ({ c, args: [a] }) => `Given a number ${a}, tell whether ${c} divides it with no remainder.`,
      ({ c, args: [a] }) => `Is ${a} evenly divisible by ${c}? Answer with a boolean.`,
    ],
    edges: (c) => [[0], [c], [c + 1], [-c]],
    random: (rng, c) => [rng.chance(0.5) ? c * rng.int(-5, 9) : rng.int(-50, 100)],
    expected: (c, [n]) => pyMod(num(n), c) === 0,
    solutions: [
      ({ c, args: [a] }) => body(`return ${a} % ${c} == 0`),
      ({ c, args: [a] }) => body(`if ${a} % ${c} == 0:`, '    return True', 'return False'),
    ],
  }),
  defineFamily<number>({
    id: 'count_digit',
    category: 'numbers',
    names: ['count_digit', 'digit_count', 'count_occurrences_of_digit'],
    argNames: [['n'], ['num']],
    constants: range(0, 9),
    phrasings: [
      ({ c, args: [a] }) => `Return how many times the digit ${c} appears in the decimal form of the non-negative integer ${a}.`,
      ({ c, args: [a] }) => `Count the digits of ${a} (a non-negative integer) that are equal to ${c}.`,
      ({ c, args: [a] }) => `Given a non-negative integer ${a}, return the number of ${c} digits it has.`,
      ({ c, args: [a] }) => `In the written-out number ${a} (never negative), how many digits are ${c}?`,
    ],
    edges: (c) => [[0], [c], [c * 11]],
    random: (rng, c) => [Number(String(rng.int(0, 99999)).replace(/[0-9]/, (d) => (rng.chance(0.5) ? String(c) : d)))],
    expected: (c, [n]) => countOf(String(num(n)), String(c)),
    solutions: [
      ({ c, args: [a] }) => body(`return str(${a}).count('${c}')`),
      ({ c, args: [a] }) => body('count = 0', `for d in str(${a}):`, `    if d == '${c}':`, '        count += 1', 'return count'),
    ],
  }),
  defineFamily<number>({
    id: 'power',
    category: 'numbers',
    names: ['power', 'raise_to', 'nth_power'],
    argNames: [['n'], ['x'], ['base']],
    constants: range(2, 6),
    phrasings: [
      ({ c, args: [a] }) => `Return ${a} raised to the power ${c}.`,
      ({ c, args: [a] }) => `Given an integer ${a}, compute ${a} to the ${c}th power.`,
      ({ c, args: [a] }) => `Multiply ${a} by itself so that it appears ${c} times as a factor, and return the product.`,
      ({ c, args: [a] }) => `Compute the ${c}th power of ${a}.`,
    ],
    edges: () => [[0], [1], [-2]],
    random: (rng) => [rng.int(-9, 12)],
    expected: (c, [n]) => num(n) ** c,
    solutions: [
      ({ c, args: [a] }) => body(`return ${a} ** ${c}`),
      ({ c, args: [a] }) => body('result = 1', `for _ in range(${c}):`, `    result *= ${a}`, 'return result'),
      ({ c, args: [a] }) => body(`return pow(${a}, ${c})`),
    ],
  }),
  defineFamily<number>({
    id: 'round_down_multiple',
    category: 'numbers',
    names: ['round_down', 'floor_to_multiple', 'round_to_multiple'],
    argNames: [['n'], ['num'], ['x']],
    constants: range(2, 12),
    phrasings: [
      ({ c, args: [a] }) => `Return the largest multiple of ${c} that is less than or equal to the non-negative integer ${a}.`,
      ({ c, args: [a] }) => `Round the non-negative integer ${a} down to a multiple of ${c}.`,
      ({ c, args: [a] }) => `Given ${a} >= 0, return ${a} rounded down to the nearest multiple of ${c}.`,
      ({ c, args: [a] }) => `Drop the remainder of ${a} modulo ${c}, returning the multiple of ${c} just at or below ${a}.`,
    ],
    edges: (c) => [[0], [c], [c - 1], [c + 1]],
    random: (rng) => [rng.int(0, 200)],
    expected: (c, [n]) => num(n) - pyMod(num(n), c),
    solutions: [
      ({ c, args: [a] }) => body(`return ${a} - ${a} % ${c}`),
      ({ c, args: [a] }) => body(`return (${a} // ${c}) * ${c}`),
    ],
  }),
  defineFamily<number>({
    id: 'times_divisible',
    category: 'numbers',
    names: ['times_divisible', 'count_factors', 'multiplicity'],
    argNames: [['n'], ['num']],
    constants: range(2, 7),
    phrasings: [
      ({ c, args: [a] }) => `Return how many times the positive integer ${a} can be divided by ${c} before it is no longer divisible by ${c}.`,
      ({ c, args: [a] }) => `Given a positive integer ${a}, count how often ${c} divides it (repeatedly dividing by ${c}).`,
      ({ c, args: [a] }) => `Return the exponent of ${c} in ${a}: the number of times you can divide ${a} by ${c} evenly, over and over.`,
      ({ c, args: [a] }) => `Keep dividing ${a} (positive) by ${c} while it divides evenly; how many divisions happen?`,
    ],
    edges: (c) => [[1], [c], [c * c * 3]],
    random: (rng, c) => [c ** rng.int(0, 4) * rng.int(1, 20)],
    expected: (c, [n]) => {
      let x = num(n);
      let k = 0;
      while (x % c === 0) {
        x /= c;
        k++;
      }
      return k;
    },
    solutions: [
      ({ c, args: [a] }) => body('count = 0', `while ${a} % ${c} == 0:`, `    ${a} //= ${c}`, '    count += 1', 'return count'),
      ({ c, args: [a] }) => body('count = 0', `x = ${a}`, `while x % ${c} == 0:`, `    x = x // ${c}`, '    count = count + 1', 'return count'),
    ],
  }),
  defineFamily<[number, number]>({
    id: 'in_range',
    category: 'conditionals',
    names: ['in_range', 'between', 'within_bounds'],
    argNames: [['n'], ['x'], ['value']],
    constants: bounds,
    phrasings: [
      ({ c: [lo, hi], args: [a] }) => `Return True if ${a} is between ${lo} and ${hi} inclusive, otherwise False.`,
      ({ c: [lo, hi], args: [a] }) => `Check whether ${lo} <= ${a} <= ${hi}.`,
      ({ c: [lo, hi], args: [a] }) => `Given a number ${a}, tell whether it lies in the closed interval from ${lo} to ${hi}.`,
      ({ c: [lo, hi], args: [a] }) => `Is ${a} no smaller than ${lo} and no larger than ${hi}? Return a boolean.`,
    ],
    edges: ([lo, hi]) => [[lo], [hi], [lo - 1], [hi + 1]],
    random: (rng, [lo, hi]) => [rng.int(lo - 5, hi + 5)],
    expected: ([lo, hi], [n]) => num(n) >= lo && num(n) <= hi,
    solutions: [
      ({ c: [lo, hi], args: [a] }) => body(`return ${lo} <= ${a} <= ${hi}`),
      ({ c: [lo, hi], args: [a] }) => body(`if ${a} < ${lo} or ${a} > ${hi}:`, '    return False', 'return True'),
      ({ c: [lo, hi], args: [a] }) => body(`return ${a} >= ${lo} and ${a} <= ${hi}`),
    ],
  }),
  defineFamily<[number, number]>({
    id: 'divisible_not',
    category: 'conditionals',
    names: ['special_number', 'divisible_but_not', 'is_special'],
    argNames: [['n'], ['year'], ['x']],
    constants: [[2, 3], [3, 2], [2, 5], [3, 5], [4, 3], [5, 2], [2, 7], [3, 4], [6, 4], [4, 8]],
    phrasings: [
      ({ c: [p, r], args: [a] }) => `Return True if ${a} is divisible by ${p} but not by ${r}, otherwise False.`,
      ({ c: [p, r], args: [a] }) => `Check that ${a} is a multiple of ${p} and is not a multiple of ${r}.`,
      ({ c: [p, r], args: [a] }) => `Given an integer ${a}, return whether ${p} divides it while ${r} does not.`,
      ({ c: [p, r], args: [a] }) => `Is ${a} % ${p} zero and ${a} % ${r} nonzero? Return the answer as a boolean.`,
    ],
    edges: ([p, r]) => [[0], [p], [p * r], [r]],
    random: (rng) => [rng.int(1, 60)],
    expected: ([p, r], [n]) => pyMod(num(n), p) === 0 && pyMod(num(n), r) !== 0,
    solutions: [
      ({ c: [p, r], args: [a] }) => body(`return ${a} % ${p} == 0 and ${a} % ${r} != 0`),
      ({ c: [p, r], args: [a] }) => body(`if ${a} % ${p} != 0:`, '    return False', `if ${a} % ${r} == 0:`, '    return False', 'return True'),
    ],
  }),
  defineFamily<number>({
    id: 'even_double_odd_add',
    category: 'conditionals',
    names: ['transform', 'adjust', 'step'],
    argNames: [['n'], ['x'], ['num']],
    constants: range(1, 12),
    phrasings: [
      ({ c, args: [a] }) => `If ${a} is even, return ${a} doubled; otherwise return ${a} plus ${c}.`,
      ({ c, args: [a] }) => `Return 2 * ${a} for an even ${a} and ${a} + ${c} for an odd ${a}.`,
      ({ c, args: [a] }) => `Given an integer ${a}, double it when it is even, else add ${c} to it.`,
      ({ c, args: [a] }) => `Even numbers get multiplied by two, odd numbers get ${c} added; apply this to ${a}.`,
    ],
    edges: () => [[0], [1], [-3], [2]],
    random: (rng) => [rng.int(-20, 50)],
    expected: (c, [n]) => (pyMod(num(n), 2) === 0 ? num(n) * 2 : num(n) + c),
    solutions: [
      ({ c, args: [a] }) => body(`if ${a} % 2 == 0:`, `    return ${a} * 2`, `return ${a} + ${c}`),
      ({ c, args: [a] }) => body(`return ${a} * 2 if ${a} % 2 == 0 else ${a} + ${c}`),
      ({ c, args: [a] }) => body(`if ${a} % 2 == 1:`, `    return ${a} + ${c}`, 'else:', `    return 2 * ${a}`),
    ],
  }),
  defineFamily<[number, Pair]>({
    id: 'threshold_label',
    category: 'conditionals',
    names: ['label', 'classify', 'rate'],
    argNames: [['n'], ['score'], ['value']],
    constants: wordsPairs.map((w, i): [number, Pair] => [[5, 10, 50, 0, 18, 60, 3, 7][i]!, w]),
    phrasings: [
      ({ c: [k, [hi, lo]], args: [a] }) => `Return ${q(hi)} if ${a} is at least ${k}, and ${q(lo)} otherwise.`,
      ({ c: [k, [hi, lo]], args: [a] }) => `Given a number ${a}, return the string ${q(hi)} when ${a} >= ${k}, else ${q(lo)}.`,
      ({ c: [k, [hi, lo]], args: [a] }) => `Label ${a}: ${q(lo)} if it is below ${k}, ${q(hi)} if it is ${k} or more.`,
      ({ c: [k, [hi, lo]], args: [a] }) => `Compare ${a} with ${k}; answer ${q(hi)} for values not less than ${k} and ${q(lo)} for smaller ones.`,
    ],
    edges: ([k]) => [[k], [k - 1], [k + 1]],
    random: (rng, [k]) => [rng.int(k - 20, k + 20)],
    expected: ([k, [hi, lo]], [n]) => (num(n) >= k ? hi : lo),
    solutions: [
      ({ c: [k, [hi, lo]], args: [a] }) => body(`if ${a} >= ${k}:`, `    return ${q(hi)}`, `return ${q(lo)}`),
      ({ c: [k, [hi, lo]], args: [a] }) => body(`return ${q(hi)} if ${a} >= ${k} else ${q(lo)}`),
      ({ c: [k, [hi, lo]], args: [a] }) => body(`if ${a} < ${k}:`, `    return ${q(lo)}`, 'else:', `    return ${q(hi)}`),
    ],
  }),
  defineFamily<number>({
    id: 'abs_diff_from',
    category: 'numbers',
    names: ['distance_from', 'abs_diff', 'gap_to'],
    argNames: [['n'], ['x'], ['value']],
    constants: range(-5, 20),
    phrasings: [
      ({ c, args: [a] }) => `Return the absolute difference between ${a} and ${c}.`,
      ({ c, args: [a] }) => `How far is ${a} from ${c} on the number line? Return a non-negative integer.`,
      ({ c, args: [a] }) => `Given ${a}, return |${a} - ${c}|.`,
      ({ c, args: [a] }) => `Compute the distance between the numbers ${a} and ${c}.`,
    ],
    edges: (c) => [[c], [c - 3], [c + 4]],
    random: (rng) => [rng.int(-30, 40)],
    expected: (c, [n]) => Math.abs(num(n) - c),
    solutions: [
      ({ c, args: [a] }) => body(`return abs(${a} - ${c})`),
      ({ c, args: [a] }) => body(`if ${a} > ${c}:`, `    return ${a} - ${c}`, `return ${c} - ${a}`),
    ],
  }),
  // ---------------------------------------------------------------- loops
  defineFamily<number>({
    id: 'sum_multiples_below',
    category: 'loops',
    names: ['sum_multiples', 'sum_of_multiples', 'multiples_total'],
    argNames: [['n'], ['limit']],
    constants: range(2, 11),
    phrasings: [
      ({ c, args: [a] }) => `Return the sum of all positive multiples of ${c} that are smaller than ${a}.`,
      ({ c, args: [a] }) => `Add up ${c}, ${2 * c}, ${3 * c}, ... for every such multiple below ${a}.`,
      ({ c, args: [a] }) => `Given ${a}, return the total of the numbers between 1 and ${a} - 1 that are divisible by ${c}.`,
      ({ c, args: [a] }) => `Sum every multiple of ${c} strictly less than ${a} (starting from ${c}).`,
    ],
    edges: (c) => [[0], [c], [c + 1]],
    random: (rng) => [rng.int(1, 60)],
    expected: (c, [n]) => {
      let s = 0;
      for (let i = c; i < num(n); i += c) s += i;
      return s;
    },
    solutions: [
      ({ c, args: [a] }) => body(`return sum(range(${c}, ${a}, ${c}))`),
      ({ c, args: [a] }) => body('total = 0', `for i in range(1, ${a}):`, `    if i % ${c} == 0:`, '        total += i', 'return total'),
      ({ c, args: [a] }) => body('total = 0', `i = ${c}`, `while i < ${a}:`, '    total += i', `    i += ${c}`, 'return total'),
    ],
  }),
  defineFamily<number>({
    id: 'first_multiples',
    category: 'loops',
    names: ['first_multiples', 'multiples_list', 'table_of'],
    argNames: [['n'], ['count']],
    constants: range(2, 13),
    phrasings: [
      ({ c, args: [a] }) => `Return a list of the first ${a} positive multiples of ${c}.`,
      ({ c, args: [a] }) => `Build the list [${c}, ${2 * c}, ${3 * c}, ...] with ${a} elements.`,
      ({ c, args: [a] }) => `Given ${a}, return ${c} * 1, ${c} * 2, ..., ${c} * ${a} as a list.`,
      ({ c, args: [a] }) => `Produce the ${c} times table up to ${a} entries, as a list.`,
    ],
    edges: () => [[0], [1], [2]],
    random: (rng) => [rng.int(3, 10)],
    expected: (c, [n]) => range(1, num(n)).map((i) => i * c),
    solutions: [
      ({ c, args: [a] }) => body(`return [${c} * i for i in range(1, ${a} + 1)]`),
      ({ c, args: [a] }) => body('result = []', `for i in range(1, ${a} + 1):`, `    result.append(i * ${c})`, 'return result'),
      ({ c, args: [a] }) => body(`return list(range(${c}, ${c} * ${a} + 1, ${c}))`),
    ],
  }),
  defineFamily<number>({
    id: 'countdown_step',
    category: 'loops',
    names: ['countdown', 'count_down', 'descending'],
    argNames: [['n'], ['start']],
    constants: range(2, 7),
    phrasings: [
      ({ c, args: [a] }) => `Return a list counting down from ${a} in steps of ${c}, stopping before the numbers become negative.`,
      ({ c, args: [a] }) => `Given a non-negative integer ${a}, list ${a}, ${a} - ${c}, ${a} - ${2 * c}, ... while the value is at least 0.`,
      ({ c, args: [a] }) => `Starting at ${a}, repeatedly subtract ${c} and collect every value that is not negative.`,
      ({ c, args: [a] }) => `Produce the non-negative numbers ${a}, ${a}-${c}, ${a}-${2 * c} and so on, as a list.`,
    ],
    edges: (c) => [[0], [c], [c - 1]],
    random: (rng) => [rng.int(0, 30)],
    expected: (c, [n]) => {
      const out: number[] = [];
      for (let i = num(n); i >= 0; i -= c) out.push(i);
      return out;
    },
    solutions: [
      ({ c, args: [a] }) => body(`return list(range(${a}, -1, -${c}))`),
      ({ c, args: [a] }) => body('result = []', `i = ${a}`, 'while i >= 0:', '    result.append(i)', `    i -= ${c}`, 'return result'),
    ],
  }),
  defineFamily<number>({
    id: 'sum_skip_multiples',
    category: 'loops',
    names: ['sum_skipping', 'sum_except_multiples', 'partial_total'],
    argNames: [['n'], ['limit']],
    constants: range(2, 9),
    phrasings: [
      ({ c, args: [a] }) => `Return the sum of the integers from 1 to ${a} inclusive, skipping those divisible by ${c}.`,
      ({ c, args: [a] }) => `Add up 1, 2, ..., ${a} but leave out every multiple of ${c}.`,
      ({ c, args: [a] }) => `Given ${a}, total the numbers 1 through ${a} that are not multiples of ${c}.`,
      ({ c, args: [a] }) => `Sum the whole numbers up to and including ${a}, ignoring any that ${c} divides.`,
    ],
    edges: (c) => [[0], [1], [c]],
    random: (rng) => [rng.int(2, 40)],
    expected: (c, [n]) => range(1, num(n)).filter((i) => i % c !== 0).reduce((s, x) => s + x, 0),
    solutions: [
      ({ c, args: [a] }) => body('total = 0', `for i in range(1, ${a} + 1):`, `    if i % ${c} != 0:`, '        total += i', 'return total'),
      ({ c, args: [a] }) => body(`return sum(i for i in range(1, ${a} + 1) if i % ${c} != 0)`),
    ],
  }),
  defineFamily<number>({
    id: 'count_divisible_upto',
    category: 'loops',
    names: ['count_upto', 'how_many_divisible', 'count_multiples_upto'],
    argNames: [['n'], ['limit']],
    constants: range(2, 12),
    phrasings: [
      ({ c, args: [a] }) => `Return how many integers from 1 to ${a} inclusive are divisible by ${c}.`,
      ({ c, args: [a] }) => `Count the multiples of ${c} among 1, 2, ..., ${a}.`,
      ({ c, args: [a] }) => `Given ${a} >= 0, return the number of values in the range 1..${a} that ${c} divides.`,
      ({ c, args: [a] }) => `Loop over 1 to ${a} and count the numbers that are multiples of ${c}.`,
    ],
    edges: (c) => [[0], [c - 1], [c]],
    random: (rng) => [rng.int(0, 100)],
    expected: (c, [n]) => pyFloorDiv(num(n), c),
    solutions: [
      ({ c, args: [a] }) => body('count = 0', `for i in range(1, ${a} + 1):`, `    if i % ${c} == 0:`, '        count += 1', 'return count'),
      ({ c, args: [a] }) => body(`return ${a} // ${c}`),
    ],
  }),
  defineFamily<number>({
    id: 'product_range',
    category: 'loops',
    names: ['product_upto', 'partial_factorial', 'multiply_range'],
    argNames: [['n'], ['limit']],
    constants: range(1, 5),
    phrasings: [
      ({ c, args: [a] }) => `Return the product of the integers from ${c} to ${a} inclusive (1 if ${a} is less than ${c}).`,
      ({ c, args: [a] }) => `Multiply together ${c}, ${c + 1}, ..., ${a}; the empty product is 1.`,
      ({ c, args: [a] }) => `Given ${a}, return ${c} * ${c + 1} * ... * ${a}, or 1 when there are no factors.`,
      ({ c, args: [a] }) => `Compute the product of every whole number between ${c} and ${a}, both included (1 for an empty range).`,
    ],
    edges: (c) => [[c - 1], [c], [c + 1]],
    random: (rng, c) => [rng.int(c, c + 7)],
    expected: (c, [n]) => range(c, num(n)).reduce((p, x) => p * x, 1),
    solutions: [
      ({ c, args: [a] }) => body('result = 1', `for i in range(${c}, ${a} + 1):`, '    result *= i', 'return result'),
      ({ c, args: [a] }) => body('result = 1', `i = ${c}`, `while i <= ${a}:`, '    result = result * i', '    i += 1', 'return result'),
    ],
  }),
  defineFamily<string>({
    id: 'join_with',
    category: 'loops',
    names: ['join_with', 'join_words', 'glue'],
    argNames: [['words'], ['items'], ['parts']],
    constants: ['-', ', ', '+', ' | ', '/', ':', '_', '; ', '*', '.'],
    phrasings: [
      ({ c, args: [a] }) => `Return the strings in the list ${a} joined together with ${q(c)} between them.`,
      ({ c, args: [a] }) => `Concatenate the elements of ${a}, separating neighbours by ${q(c)}.`,
      ({ c, args: [a] }) => `Given a list of strings ${a}, build one string with ${q(c)} placed between consecutive items.`,
      ({ c, args: [a] }) => `Glue the words of ${a} into a single string using ${q(c)} as the separator.`,
    ],
    edges: () => [[[]], [['a']], [['x', 'y']]],
    random: (rng) => [Array.from({ length: rng.int(1, 5) }, () => rng.word(1, 5))],
    expected: (c, [ws]) => (ws as string[]).join(c),
    solutions: [
      ({ c, args: [a] }) => body(`return ${q(c)}.join(${a})`),
      ({ c, args: [a] }) => body("result = ''", `for i, w in enumerate(${a}):`, '    if i > 0:', `        result += ${q(c)}`, '    result += w', 'return result'),
    ],
  }),
  // ---------------------------------------------------------------- dicts
  defineFamily<number>({
    id: 'get_default',
    category: 'dicts',
    names: ['lookup', 'get_or_default', 'value_of'],
    argNames: [['d', 'key'], ['table', 'name'], ['counts', 'word']],
    constants: range(-1, 10),
    phrasings: [
      ({ c, args: [d, k] }) => `Return the value stored under ${k} in the dictionary ${d}, or ${c} if ${k} is not a key.`,
      ({ c, args: [d, k] }) => `Look up ${k} in ${d}; when it is missing, return ${c} instead.`,
      ({ c, args: [d, k] }) => `Given a dict ${d} and a key ${k}, return ${d}[${k}] if present, otherwise ${c}.`,
      ({ c, args: [d, k] }) => `Fetch ${k} from ${d}, falling back to ${c}.`,
    ],
    edges: () => [[dict([]), 'a'], [dict([['a', 1]]), 'a'], [dict([['a', 1]]), 'b']],
    random: (rng) => {
      const d = smallDict(rng);
      const keys = (d as Dict).dict.map(([k]) => k as string);
      return [d, rng.chance(0.6) ? rng.pick(keys) : rng.pick(['q', 'zz', 'none'])];
    },
    expected: (c, [d, k]) => entries(d).find(([key]) => key === k)?.[1] ?? c,
    solutions: [
      ({ c, args: [d, k] }) => body(`return ${d}.get(${k}, ${c})`),
      ({ c, args: [d, k] }) => body(`if ${k} in ${d}:`, `    return ${d}[${k}]`, `return ${c}`),
    ],
  }),
  defineFamily<number>({
    id: 'keys_above',
    category: 'dicts',
    names: ['keys_above', 'big_keys', 'keys_with_large_values'],
    argNames: [['d'], ['scores'], ['table']],
    constants: range(0, 12),
    phrasings: [
      ({ c, args: [d] }) => `Return a sorted list of the keys of ${d} whose values are greater than ${c}.`,
      ({ c, args: [d] }) => `Given a dictionary ${d} mapping strings to integers, list (in sorted order) the keys with a value above ${c}.`,
      ({ c, args: [d] }) => `Collect the keys of ${d} that map to numbers larger than ${c}, sorted alphabetically.`,
      ({ c, args: [d] }) => `Which keys of ${d} have a value exceeding ${c}? Return them sorted.`,
    ],
    edges: (c) => [[dict([])], [dict([['a', c]])], [dict([['b', c + 1], ['a', c + 2]])]],
    random: (rng) => [smallDict(rng)],
    expected: (c, [d]) => entries(d).filter(([, v]) => v > c).map(([k]) => k).sort(),
    solutions: [
      ({ c, args: [d] }) => body(`return sorted(k for k, v in ${d}.items() if v > ${c})`),
      ({ c, args: [d] }) => body('result = []', `for key in ${d}:`, `    if ${d}[key] > ${c}:`, '        result.append(key)', 'result.sort()', 'return result'),
    ],
  }),
  defineFamily<number>({
    id: 'increment_values',
    category: 'dicts',
    names: ['increment_values', 'bump_all', 'add_to_values'],
    argNames: [['d'], ['counts'], ['table']],
    constants: range(1, 12),
    phrasings: [
      ({ c, args: [d] }) => `Return a new dictionary with the same keys as ${d} and every value increased by ${c}.`,
      ({ c, args: [d] }) => `Given a dict ${d} of integers, add ${c} to each value and return the new dict.`,
      ({ c, args: [d] }) => `Build a copy of ${d} where value v becomes v + ${c}.`,
      ({ c, args: [d] }) => `Raise each number stored in ${d} by ${c}, returning a fresh dictionary.`,
    ],
    edges: () => [[dict([])], [dict([['a', 0]])]],
    random: (rng) => [smallDict(rng)],
    expected: (c, [d]) => dict(entries(d).map(([k, v]) => [k, v + c])),
    solutions: [
      ({ c, args: [d] }) => body(`return {k: v + ${c} for k, v in ${d}.items()}`),
      ({ c, args: [d] }) => body('result = {}', `for key, value in ${d}.items():`, `    result[key] = value + ${c}`, 'return result'),
    ],
  }),
  defineFamily<number>({
    id: 'filter_dict_divisible',
    category: 'dicts',
    names: ['keep_divisible', 'filter_items', 'divisible_entries'],
    argNames: [['d'], ['counts'], ['table']],
    constants: range(2, 8),
    phrasings: [
      ({ c, args: [d] }) => `Return a new dictionary with only the items of ${d} whose value is divisible by ${c}.`,
      ({ c, args: [d] }) => `Given a dict ${d} of integers, keep the entries whose values are multiples of ${c}.`,
      ({ c, args: [d] }) => `Drop every key of ${d} whose value is not a multiple of ${c} and return the result as a new dict.`,
      ({ c, args: [d] }) => `Filter ${d}, retaining pairs where ${c} divides the value.`,
    ],
    edges: (c) => [[dict([])], [dict([['a', c], ['b', c + 1]])]],
    random: (rng) => [smallDict(rng, 0, 24)],
    expected: (c, [d]) => dict(entries(d).filter(([, v]) => pyMod(v, c) === 0)),
    solutions: [
      ({ c, args: [d] }) => body(`return {k: v for k, v in ${d}.items() if v % ${c} == 0}`),
      ({ c, args: [d] }) => body('result = {}', `for key, value in ${d}.items():`, `    if value % ${c} == 0:`, '        result[key] = value', 'return result'),
    ],
  }),
  defineFamily<number>({
    id: 'count_above_dict',
    category: 'dicts',
    names: ['frequencies_above', 'count_large', 'tally_above'],
    argNames: [['nums'], ['xs'], ['values']],
    constants: range(0, 8),
    phrasings: [
      ({ c, args: [a] }) => `Return a dictionary mapping each number in ${a} that is greater than ${c} to the number of times it occurs.`,
      ({ c, args: [a] }) => `Count occurrences of the elements of ${a} above ${c}, as a dict from value to count.`,
      ({ c, args: [a] }) => `Given a list of integers ${a}, build a frequency table (dict) of the values larger than ${c}.`,
      ({ c, args: [a] }) => `Tally how often each value exceeding ${c} appears in ${a}; return the tally as a dict.`,
    ],
    edges: (c) => [[[]], [[c]], [[c + 1, c + 1, c + 2]]],
    random: (rng, c) => [intList(rng, c - 3, c + 4, 9)],
    expected: (c, [xs]) => {
      const m = new Map<number, number>();
      for (const x of ints(xs)) if (x > c) m.set(x, (m.get(x) ?? 0) + 1);
      return dict([...m.entries()]);
    },
    solutions: [
      ({ c, args: [a] }) => body('counts = {}', `for x in ${a}:`, `    if x > ${c}:`, '        counts[x] = counts.get(x, 0) + 1', 'return counts'),
      ({ c, args: [a] }) => body('counts = {}', `for x in ${a}:`, `    if x <= ${c}:`, '        continue', '    if x in counts:', '        counts[x] += 1', '    else:', '        counts[x] = 1', 'return counts'),
    ],
  }),
  defineFamily<number>({
    id: 'sum_values_above',
    category: 'dicts',
    names: ['sum_large_values', 'total_above', 'sum_dict_above'],
    argNames: [['d'], ['scores'], ['prices']],
    constants: range(0, 10),
    phrasings: [
      ({ c, args: [d] }) => `Return the sum of the values in the dictionary ${d} that are greater than ${c}.`,
      ({ c, args: [d] }) => `Add up every value of ${d} that exceeds ${c}.`,
      ({ c, args: [d] }) => `Given a dict ${d} mapping names to integers, total the values larger than ${c}.`,
      ({ c, args: [d] }) => `What do the values of ${d} above ${c} sum to?`,
    ],
    edges: (c) => [[dict([])], [dict([['a', c]])], [dict([['a', c + 1], ['b', c + 5]])]],
    random: (rng) => [smallDict(rng)],
    expected: (c, [d]) => entries(d).filter(([, v]) => v > c).reduce((s, [, v]) => s + v, 0),
    solutions: [
      ({ c, args: [d] }) => body(`return sum(v for v in ${d}.values() if v > ${c})`),
      ({ c, args: [d] }) => body('total = 0', `for key in ${d}:`, `    if ${d}[key] > ${c}:`, `        total += ${d}[key]`, 'return total'),
    ],
  }),
  defineFamily<number>({
    id: 'word_lengths_dict',
    category: 'dicts',
    names: ['word_lengths', 'length_map', 'measure_words'],
    argNames: [['words'], ['items']],
    constants: range(0, 6),
    phrasings: [
      ({ c, args: [a] }) => `Return a dictionary mapping each string in ${a} to its length plus ${c}.`,
      ({ c, args: [a] }) => `Given a list of words ${a}, build a dict from every word to len(word) + ${c}.`,
      ({ c, args: [a] }) => `Map each word of ${a} to the number of its characters increased by ${c}.`,
      ({ c, args: [a] }) => `For the words in ${a}, return {word: length + ${c}} as a dictionary.`,
    ],
    edges: () => [[[]], [['a']], [['ab', 'ab']]],
    random: (rng) => [Array.from({ length: rng.int(1, 5) }, () => rng.word(1, 7))],
    expected: (c, [ws]) => {
      const m = new Map<string, number>();
      for (const w of ws as string[]) m.set(w, w.length + c);
      return dict([...m.entries()]);
    },
    solutions: [
      ({ c, args: [a] }) => body(`return {w: len(w) + ${c} for w in ${a}}`),
      ({ c, args: [a] }) => body('result = {}', `for word in ${a}:`, `    result[word] = len(word) + ${c}`, 'return result'),
    ],
  }),
];
