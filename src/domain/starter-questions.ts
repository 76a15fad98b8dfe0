// The starter bank shipped with the server: 10 questions per type and
// difficulty. Each has a stable key; loading the bank again inserts only keys
// not yet present, so admins' edits and archivals stay.
import type { QuestionDifficulty, QuestionType } from './questions.js';

export interface StarterQuestion {
  key: string;
  type: QuestionType;
  difficulty: QuestionDifficulty;
  title: string;
  body: string;
  hints: string[];
}

type Entry = [title: string, body: string, hints: string[]];

const BEHAVIORAL_EASY: Entry[] = [
  [
    'Tell me about yourself',
    'Walk me through your background in about two minutes: where you started, what you work on now, and why you are looking at this kind of role.',
    [
      'Listen for a clear thread from past to present to next step.',
      'Ask them to stop at two minutes if they run long.',
    ],
  ],
  [
    'A project you are proud of',
    'Tell me about a project you are proud of. What was it, what was your part in it, and what made it a success?',
    [
      'Ask what they did personally, not what the team did.',
      'Ask how they knew it was a success: numbers, users, feedback.',
    ],
  ],
  [
    'Learning something new quickly',
    'Describe a time you had to learn a new tool, language or domain in a short time. How did you go about it, and how long did it take before you were productive?',
    ['Listen for a concrete plan: docs, small experiments, asking people.'],
  ],
  [
    'Feedback you received',
    'Tell me about a piece of critical feedback you received. What was it, how did you react, and what did you change afterwards?',
    ['A good answer names a specific behaviour that changed.'],
  ],
  [
    'Working with a teammate',
    'Tell me about a teammate you worked well with. What made the collaboration work, and what did you do to keep it that way?',
    ['Ask for one concrete habit they kept, such as regular check-ins.'],
  ],
  [
    'A mistake you made',
    'Tell me about a mistake you made at work or school. What happened, how did you find out, and what did you do to fix it?',
    ['Look for ownership: no blaming others.', 'Ask what they do differently now.'],
  ],
  [
    'Managing your time',
    'Describe a week where you had more work than time. How did you decide what to do first, and what did you drop or postpone?',
    ['Ask who they told about the trade-off.'],
  ],
  [
    'Helping someone',
    'Tell me about a time you helped a colleague or classmate who was stuck. What was the problem and how did you help without taking over?',
    [],
  ],
  [
    'Why this role',
    'Why are you interested in this kind of role, and what would you like to get better at in your next job?',
    ['Listen for specifics rather than generic praise of the company.'],
  ],
  [
    'Meeting a deadline',
    'Tell me about a deadline you were worried you would miss. What did you do, and did you meet it?',
    ['Ask when they first raised the risk, and to whom.'],
  ],
];

const BEHAVIORAL_MEDIUM: Entry[] = [
  [
    'Disagreeing with a teammate',
    'Tell me about a time you disagreed with a teammate about a technical or product decision. How did you handle it, and what was the outcome?',
    ['Look for listening and evidence, not winning.', 'Ask what they would do if the decision went against them.'],
  ],
  [
    'Changing priorities',
    'Describe a time the priorities of your project changed in the middle of the work. How did you adapt, and what happened to the work already done?',
    ['Ask how they communicated the change to others.'],
  ],
  [
    'Owning a problem nobody owned',
    'Tell me about a problem that fell between teams and nobody owned. What made you take it on and how did you get it solved?',
    ['Listen for initiative and how they got others to help.'],
  ],
  [
    'Ambiguous requirements',
    'Tell me about a task where the requirements were unclear. What did you do to clarify them before and during the work?',
    ['Ask which questions they asked and to whom.', 'Look for small prototypes or written assumptions.'],
  ],
  [
    'Improving a process',
    'Describe a process on your team that you improved. What was wrong with it, what did you change, and how did you measure the improvement?',
    ['Ask for a before-and-after number.'],
  ],
  [
    'Difficult stakeholder',
    'Tell me about working with a stakeholder who was hard to satisfy. What did they want, and how did you build a working relationship?',
    [],
  ],
  [
    'A failed project',
    'Tell me about a project that failed or was cancelled. What went wrong, what was your part in it, and what did you learn?',
    ['Look for honest reflection and a lesson they have since applied.'],
  ],
  [
    'Mentoring',
    'Describe a time you mentored or onboarded someone. How did you adjust to how they learn, and how did you know it worked?',
    [],
  ],
  [
    'Trade-off between speed and quality',
    'Tell me about a time you had to choose between shipping quickly and doing it properly. What did you choose, why, and what did it cost later?',
    ['Ask whether they wrote the debt down and paid it back.'],
  ],
  [
    'Convincing without authority',
    'Tell me about a time you convinced people who did not report to you to change how they worked. How did you do it?',
    ['Look for data, prototypes, or finding an ally.'],
  ],
];

const BEHAVIORAL_HARD: Entry[] = [
  [
    'A production incident you led',
    'Tell me about a serious production incident you were responsible for resolving. Walk me through the first hour, how you communicated, and what changed afterwards.',
    ['Ask how they decided between rolling back and fixing forward.', 'Ask what the postmortem changed.'],
  ],
  [
    'Pushing back on leadership',
    'Tell me about a time you pushed back on a decision made by your manager or leadership. What was at stake, how did you raise it, and how did it end?',
    ['Look for respect, evidence and a clear ask.', 'Ask what they did once the decision was final.'],
  ],
  [
    'Delivering bad news',
    'Describe a time you had to tell a customer, manager or team that something important would be late or would not happen. How did you prepare and deliver the message?',
    [],
  ],
  [
    'Underperforming teammate',
    'Tell me about a time a teammate was not pulling their weight and it affected your work. What did you do, and what happened?',
    ['Look for a direct private conversation before escalation.'],
  ],
  [
    'A long-term technical bet',
    'Tell me about a technical decision you made that only paid off (or did not) months later. How did you decide, and how did you know whether it was right?',
    ['Ask which alternatives they rejected and why.'],
  ],
  [
    'Conflicting goals between teams',
    'Describe a situation where two teams needed opposite things from your work. How did you find a way forward, and who made the final call?',
    [],
  ],
  [
    'Leading without a title',
    'Tell me about a time you led a group of people toward a goal without being their manager. How did you set direction and keep people engaged?',
    ['Ask how they handled someone who disagreed with the direction.'],
  ],
  [
    'Making a decision with little data',
    'Tell me about an important decision you had to make quickly with incomplete information. How did you decide, and how did you limit the risk of being wrong?',
    ['Look for reversible steps and a check-in point.'],
  ],
  [
    'Rebuilding trust',
    'Tell me about a time you lost the trust of a colleague or customer. What caused it, and what did you do over time to earn it back?',
    [],
  ],
  [
    'Scaling a team practice',
    'Describe a practice you introduced that spread beyond your own team, such as a review process or an on-call rotation. How did you get adoption and what resistance did you meet?',
    ['Ask how they measured that it was working.'],
  ],
];

const TECHNICAL_EASY: Entry[] = [
  [
    'Two Sum',
    'Given an array of integers `nums` and an integer `target`, return the indices of the two numbers that add up to `target`. Exactly one answer exists, and you may not use the same element twice.\n\nExample: nums = [2, 7, 11, 15], target = 9 → [0, 1]\n\nConstraints: 2 ≤ nums.length ≤ 10^4; −10^9 ≤ nums[i], target ≤ 10^9.',
    [
      'A brute force over all pairs is O(n²); can you do one pass?',
      'Store each value you have seen with its index in a hash map and look up target − value.',
    ],
  ],
  [
    'Valid parentheses',
    'Given a string `s` made only of the characters `()[]{}`, return true if every bracket is closed by the same type of bracket in the right order.\n\nExamples: "()[]{}" → true, "(]" → false, "([)]" → false, "{[]}" → true\n\nConstraints: 1 ≤ s.length ≤ 10^4.',
    ['Use a stack of the opening brackets.', 'The string is valid only if the stack is empty at the end.'],
  ],
  [
    'Reverse a linked list',
    'Given the head of a singly linked list, reverse the list and return the new head.\n\nExample: 1 → 2 → 3 → 4 → 5 becomes 5 → 4 → 3 → 2 → 1. An empty list stays empty.\n\nConstraints: 0 ≤ number of nodes ≤ 5000. Do it in O(1) extra space.',
    ['Keep three pointers: previous, current and next.'],
  ],
  [
    'FizzBuzz',
    'Return a list of strings for the numbers 1 to n: "Fizz" for multiples of 3, "Buzz" for multiples of 5, "FizzBuzz" for multiples of both, and the number itself otherwise.\n\nExample: n = 5 → ["1", "2", "Fizz", "4", "Buzz"]\n\nConstraints: 1 ≤ n ≤ 10^4.',
    ['Check the multiple of 15 case first.'],
  ],
  [
    'Merge two sorted arrays',
    'Given two integer arrays `a` and `b`, each sorted in ascending order, return one array with all their elements in ascending order.\n\nExample: a = [1, 3, 5], b = [2, 3, 6] → [1, 2, 3, 3, 5, 6]\n\nConstraints: 0 ≤ a.length, b.length ≤ 10^5. Aim for O(a.length + b.length) time.',
    ['Walk both arrays with one index each and take the smaller head.'],
  ],
  [
    'Valid anagram',
    'Given two strings `s` and `t` of lowercase English letters, return true if `t` is an anagram of `s` (the same letters with the same counts).\n\nExamples: s = "anagram", t = "nagaram" → true; s = "rat", t = "car" → false\n\nConstraints: 1 ≤ s.length, t.length ≤ 5 × 10^4.',
    ['Count letters in an array of 26.', 'Different lengths can return false at once.'],
  ],
  [
    'Maximum depth of a binary tree',
    'Given the root of a binary tree, return its maximum depth: the number of nodes on the longest path from the root down to a leaf.\n\nExample: the tree [3, 9, 20, null, null, 15, 7] has depth 3. An empty tree has depth 0.\n\nConstraints: 0 ≤ number of nodes ≤ 10^4.',
    ['Depth is 1 + the larger depth of the two subtrees.', 'Ask how they would avoid recursion on a very deep tree.'],
  ],
  [
    'Best time to buy and sell a stock',
    'Given an array `prices` where prices[i] is the price of a stock on day i, return the largest profit from buying on one day and selling on a later day, or 0 if no profit is possible.\n\nExamples: [7, 1, 5, 3, 6, 4] → 5 (buy at 1, sell at 6); [7, 6, 4, 3, 1] → 0\n\nConstraints: 1 ≤ prices.length ≤ 10^5.',
    ['Track the lowest price seen so far while scanning once.'],
  ],
  [
    'Binary search',
    'Given a sorted array of distinct integers `nums` and a `target`, return the index of `target`, or −1 if it is not present. Your solution must run in O(log n).\n\nExample: nums = [−1, 0, 3, 5, 9, 12], target = 9 → 4; target = 2 → −1\n\nConstraints: 1 ≤ nums.length ≤ 10^4.',
    ['Watch the loop condition and the midpoint update to avoid an infinite loop.'],
  ],
  [
    'First unique character',
    'Given a string `s`, return the index of the first character that appears exactly once, or −1 if there is none.\n\nExamples: "leetcode" → 0; "loveleetcode" → 2; "aabb" → −1\n\nConstraints: 1 ≤ s.length ≤ 10^5, lowercase English letters only.',
    ['Two passes: count every character, then find the first with count 1.'],
  ],
];

const TECHNICAL_MEDIUM: Entry[] = [
  [
    'Longest substring without repeating characters',
    'Given a string `s`, return the length of the longest substring that contains no repeated character.\n\nExamples: "abcabcbb" → 3 ("abc"); "bbbbb" → 1; "pwwkew" → 3 ("wke")\n\nConstraints: 0 ≤ s.length ≤ 5 × 10^4; letters, digits, symbols and spaces.',
    [
      'Use a sliding window with the last index where each character was seen.',
      'When a repeat is found, move the window start past the earlier occurrence.',
    ],
  ],
  [
    'Merge intervals',
    'Given a list of intervals [start, end], merge all overlapping intervals and return the result sorted by start.\n\nExample: [[1, 3], [2, 6], [8, 10], [15, 18]] → [[1, 6], [8, 10], [15, 18]]. [[1, 4], [4, 5]] → [[1, 5]] (touching intervals merge).\n\nConstraints: 1 ≤ intervals.length ≤ 10^4; 0 ≤ start ≤ end ≤ 10^4.',
    ['Sort by start first.', 'Compare each interval with the last merged one only.'],
  ],
  [
    'LRU cache',
    'Design a cache with a fixed `capacity` that supports `get(key)` (return the value or −1) and `put(key, value)`. When the cache is full, `put` evicts the least recently used key. Both operations must run in O(1) on average.\n\nExample with capacity 2: put(1, 1), put(2, 2), get(1) → 1, put(3, 3) evicts key 2, get(2) → −1.\n\nConstraints: 1 ≤ capacity ≤ 3000; up to 2 × 10^5 calls.',
    ['Combine a hash map with a doubly linked list ordered by use.', 'A get also counts as a use.'],
  ],
  [
    'Number of islands',
    'Given an m × n grid of "1" (land) and "0" (water), return the number of islands. An island is land connected horizontally or vertically.\n\nExample:\n11000\n11000\n00100\n00011\n→ 3\n\nConstraints: 1 ≤ m, n ≤ 300.',
    [
      'Flood-fill each island with BFS or DFS when you meet unvisited land.',
      'Ask about a grid too large for recursion depth.',
    ],
  ],
  [
    'Top K frequent elements',
    'Given an integer array `nums` and an integer `k`, return the `k` most frequent elements in any order.\n\nExample: nums = [1, 1, 1, 2, 2, 3], k = 2 → [1, 2]\n\nConstraints: 1 ≤ nums.length ≤ 10^5; k is between 1 and the number of distinct elements; the answer is unique. Do better than O(n log n).',
    ['Count with a hash map, then use a heap of size k or bucket by frequency.'],
  ],
  [
    'Rate limiter',
    'Implement `allow(userId, timestampMs)` for a rate limiter that lets each user make at most 5 requests in any sliding 10-second window. Calls arrive in non-decreasing timestamp order. Return true if the request is allowed (and count it), false otherwise.\n\nExample for one user: requests at 0, 1000, 2000, 3000, 4000 → all true; at 5000 → false; at 10001 → true (the request at 0 has left the window).\n\nConstraints: up to 10^6 calls and 10^5 users.',
    [
      'Keep a queue of accepted timestamps per user and drop the old ones.',
      'Ask about memory for users who stop calling.',
    ],
  ],
  [
    'Course schedule',
    'There are `n` courses numbered 0 to n − 1 and a list of prerequisite pairs [a, b] meaning you must take b before a. Return an order in which all courses can be taken, or an empty list if it is impossible.\n\nExample: n = 4, prerequisites = [[1, 0], [2, 0], [3, 1], [3, 2]] → [0, 1, 2, 3] or [0, 2, 1, 3]. n = 2, [[1, 0], [0, 1]] → [].\n\nConstraints: 1 ≤ n ≤ 2000; 0 ≤ prerequisites.length ≤ 5000.',
    [
      'This is a topological sort; a cycle makes it impossible.',
      "Kahn's algorithm: start from courses with no prerequisites.",
    ],
  ],
  [
    'Design a URL shortener',
    'Design a service that turns a long URL into a short one like `https://sho.rt/aZ3k9Q` and redirects the short URL to the original. Assume 100 million new URLs per month and 10 reads per write. Cover the API, how short codes are generated, storage, and how redirects stay fast.',
    [
      'Ask how codes avoid collisions: a counter encoded in base 62, or random codes with a uniqueness check.',
      'Ask where a cache helps and what happens when it misses.',
    ],
  ],
  [
    'Kth largest element',
    'Given an integer array `nums` and an integer `k`, return the kth largest element (in sorted order, not the kth distinct).\n\nExample: nums = [3, 2, 1, 5, 6, 4], k = 2 → 5; nums = [3, 2, 3, 1, 2, 4, 5, 5, 6], k = 4 → 4\n\nConstraints: 1 ≤ k ≤ nums.length ≤ 10^5. Can you do it without sorting the whole array?',
    ['A min-heap of size k gives O(n log k).', 'Quickselect gives O(n) on average.'],
  ],
  [
    'Group anagrams',
    'Given an array of strings, group the anagrams together and return the groups in any order.\n\nExample: ["eat", "tea", "tan", "ate", "nat", "bat"] → [["eat", "tea", "ate"], ["tan", "nat"], ["bat"]]\n\nConstraints: 1 ≤ strs.length ≤ 10^4; 0 ≤ strs[i].length ≤ 100; lowercase letters.',
    ['Use a key that is the same for all anagrams: the sorted word or a 26-letter count.'],
  ],
];

const TECHNICAL_HARD: Entry[] = [
  [
    'Median of a data stream',
    'Design a structure with `addNum(num)` and `findMedian()`. findMedian returns the median of all numbers added so far (the mean of the two middle values when the count is even).\n\nExample: addNum(1), addNum(2), findMedian() → 1.5, addNum(3), findMedian() → 2\n\nConstraints: −10^5 ≤ num ≤ 10^5; up to 5 × 10^4 calls; findMedian is only called after at least one addNum.',
    [
      'Keep the lower half in a max-heap and the upper half in a min-heap.',
      'Rebalance so the sizes differ by at most one.',
    ],
  ],
  [
    'Merge k sorted lists',
    'Given k linked lists, each sorted in ascending order, merge them into one sorted linked list and return its head.\n\nExample: [[1, 4, 5], [1, 3, 4], [2, 6]] → 1 → 1 → 2 → 3 → 4 → 4 → 5 → 6\n\nConstraints: 0 ≤ k ≤ 10^4; total nodes N ≤ 10^4 × 500. Aim for O(N log k).',
    [
      'Use a min-heap holding the current head of each list.',
      'Alternatively merge the lists in pairs, like merge sort.',
    ],
  ],
  [
    'Trapping rain water',
    'Given `n` non-negative integers for an elevation map where each bar has width 1, compute how much rain water is trapped after raining.\n\nExample: [0, 1, 0, 2, 1, 0, 1, 3, 2, 1, 2, 1] → 6; [4, 2, 0, 3, 2, 5] → 9\n\nConstraints: 1 ≤ n ≤ 2 × 10^4; 0 ≤ height[i] ≤ 10^5. Aim for O(n) time and O(1) extra space.',
    [
      'Water above a bar is min(highest on its left, highest on its right) minus its height.',
      'Two pointers moving inward from the lower side avoid the extra arrays.',
    ],
  ],
  [
    'Word ladder',
    'Given `beginWord`, `endWord` and a list `wordList`, return the number of words in the shortest transformation sequence from beginWord to endWord, changing one letter at a time, where every intermediate word is in wordList. Return 0 if there is none.\n\nExample: hit → cog with [hot, dot, dog, lot, log, cog] → 5 (hit → hot → dot → dog → cog)\n\nConstraints: all words have the same length, 1 to 10 lowercase letters; wordList.length ≤ 5000.',
    [
      'Breadth-first search gives the shortest sequence.',
      'Index words by patterns such as h*t to find neighbours quickly.',
    ],
  ],
  [
    'Design a chat system',
    'Design the backend of a one-to-one and group chat service for 50 million daily users: sending and receiving messages in real time, delivery and read receipts, message history on several devices, and users who are offline. Cover the connection layer, message storage and ordering, and fan-out to group members.',
    [
      'Ask how messages are ordered within a conversation and what happens when two devices send at once.',
      'Ask how a user who was offline catches up without missing or repeating messages.',
    ],
  ],
  [
    'Minimum window substring',
    'Given strings `s` and `t`, return the shortest substring of `s` that contains every character of `t` (including duplicates), or "" if there is none.\n\nExample: s = "ADOBECODEBANC", t = "ABC" → "BANC"; s = "a", t = "aa" → ""\n\nConstraints: 1 ≤ s.length, t.length ≤ 10^5; upper- and lowercase letters. Aim for O(s.length + t.length).',
    [
      'Grow the window on the right until it covers t, then shrink it from the left.',
      'Track how many required characters are still missing instead of comparing maps.',
    ],
  ],
  [
    'Serialize and deserialize a binary tree',
    'Write `serialize(root)` that turns a binary tree into a string and `deserialize(data)` that rebuilds exactly the same tree from it. Values are integers and the tree may be unbalanced.\n\nExample: the tree [1, 2, 3, null, null, 4, 5] must survive a round trip unchanged, and so must an empty tree.\n\nConstraints: up to 10^4 nodes; −1000 ≤ value ≤ 1000.',
    ['Pre-order traversal with a marker for null children is enough to rebuild the shape.'],
  ],
  [
    'Design a distributed job scheduler',
    'Design a service that runs millions of scheduled jobs per day (cron-like recurring jobs and one-off jobs at a given time) on a fleet of workers. Each job must run once per scheduled time even if a worker crashes mid-run. Cover storage, how workers claim jobs, retries, and how you avoid running a job twice.',
    [
      'Ask how a worker claims a job atomically and what happens when its lease expires.',
      'Ask whether jobs must be idempotent and why.',
    ],
  ],
  [
    'Longest increasing path in a matrix',
    'Given an m × n integer matrix, return the length of the longest strictly increasing path, moving up, down, left or right (no diagonals, no wrap-around).\n\nExample:\n9 9 4\n6 6 8\n2 1 1\n→ 4 (the path 1 → 2 → 6 → 9)\n\nConstraints: 1 ≤ m, n ≤ 200; 0 ≤ matrix[i][j] ≤ 2^31 − 1.',
    [
      'Depth-first search from every cell, memoising the best path starting at each cell.',
      'Strictly increasing means there are no cycles, so memoisation is safe.',
    ],
  ],
  [
    'Edit distance',
    'Given two strings `word1` and `word2`, return the minimum number of single-character insertions, deletions and replacements that turn word1 into word2.\n\nExample: horse → ros = 3 (horse → rorse → rose → ros); intention → execution = 5\n\nConstraints: 0 ≤ word1.length, word2.length ≤ 500; lowercase letters.',
    [
      'Let dp[i][j] be the distance between the first i letters of word1 and the first j of word2.',
      'Only the previous row is needed, so memory can be O(min(m, n)).',
    ],
  ],
];

const GROUPS: [QuestionType, QuestionDifficulty, Entry[]][] = [
  ['BEHAVIORAL', 'EASY', BEHAVIORAL_EASY],
  ['BEHAVIORAL', 'MEDIUM', BEHAVIORAL_MEDIUM],
  ['BEHAVIORAL', 'HARD', BEHAVIORAL_HARD],
  ['TECHNICAL', 'EASY', TECHNICAL_EASY],
  ['TECHNICAL', 'MEDIUM', TECHNICAL_MEDIUM],
  ['TECHNICAL', 'HARD', TECHNICAL_HARD],
];

const slug = (title: string) =>
  title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

export const STARTER_QUESTIONS: StarterQuestion[] = GROUPS.flatMap(([type, difficulty, entries]) =>
  entries.map(([title, body, hints]) => ({
    key: `${type}/${difficulty}/${slug(title)}`.toLowerCase(),
    type,
    difficulty,
    title,
    body,
    hints,
  })),
);
