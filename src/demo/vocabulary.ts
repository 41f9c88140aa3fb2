// Words the demo builds its LMS from: names (a few multi-byte, so byte-length cuts are exercised),
// courses, browsers. Plain data, no logic.

export const GIVEN_NAMES = [
  'Ada', 'Alan', 'Amara', 'Ben', 'Carmen', 'Chloé', 'Daniel', 'Dmitri', 'Elena', 'Emeka', 'Fatima', 'Grace',
  'Hana', 'Ivan', 'Jamal', 'José', 'Julia', 'Kai', 'Laila', 'Liam', 'Łukasz', 'Maya', 'Mei', 'Noah', 'Olivia',
  'Omar', 'Priya', 'Rafael', 'Sara', 'Søren', 'Tariq', 'Uma', 'Victor', 'Wen', 'Yusuf', 'Zoë',
  '美咲', '小明', 'Анна', 'Ngọc',
] as const;

export const FAMILY_NAMES = [
  'Adams', 'Baker', 'Chen', 'Diaz', 'Evans', 'Fischer', 'García', 'Haddad', 'Ito', 'Johnson', 'Kim', 'López',
  'Martin', 'Müller', 'Nguyen', 'Okafor', 'Patel', 'Quinn', 'Rossi', 'Singh', 'Smith', 'Tanaka', 'Walker',
  'Wójcik', 'Yilmaz', 'Zhang', '王', '佐藤', 'Иванова', 'Nguyễn',
] as const;

export const EMAIL_DOMAINS = ['example.edu', 'example.edu', 'example.edu', 'students.example.edu', 'mail.example.com'] as const;

export const SUBTENANTS = [
  { id: 'north', name: 'North Campus' },
  { id: 'south', name: 'South Campus' },
  { id: 'online', name: 'Online — Global' },
] as const;

export interface CourseTopic {
  code: string;
  title: string;
  modules: readonly string[];
}

export const COURSES: readonly CourseTopic[] = [
  { code: 'BIO-101', title: 'Introduction to Biology', modules: ['Cells and Membranes', 'Genetics', 'Evolution', 'Ecology'] },
  { code: 'MATH-151', title: 'Calculus I', modules: ['Limits', 'Derivatives', 'Applications of Derivatives', 'Integrals'] },
  { code: 'SPAN-101', title: 'Español I: Introducción', modules: ['Saludos y presentaciones', 'La familia', 'La comida', 'Mañana y el tiempo'] },
  { code: 'HIST-210', title: 'World History since 1500', modules: ['Empires and Exchange', 'Revolutions', 'Industrialization', 'The Global 20th Century'] },
  { code: 'CHEM-110', title: 'General Chemistry', modules: ['Atoms and Molecules', 'Stoichiometry', 'Thermochemistry'] },
  { code: 'PSY-100', title: 'Introduction to Psychology', modules: ['Research Methods', 'The Brain', 'Learning and Memory', 'Social Psychology'] },
];

/** Leaf activities of a lesson: asset type and a title pattern. */
export const LESSON_ITEMS = [
  { typeId: 'html.1', title: (t: string) => `Reading: ${t}`, points: null },
  { typeId: 'resource.1', title: (t: string) => `Video: ${t} explained`, points: null },
  { typeId: 'assessment.1', title: (t: string) => `Quiz: ${t}`, points: 10 },
  { typeId: 'discussion.1', title: (t: string) => `Discuss: ${t}`, points: 5 },
  { typeId: 'assignment.1', title: (t: string) => `Assignment: ${t}`, points: 20 },
] as const;

export const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.67',
] as const;

export const ACCEPT_LANGUAGES = ['en-US,en;q=0.9', 'en-GB,en;q=0.8', 'es-ES,es;q=0.9,en;q=0.7', 'de-DE,de;q=0.9,en;q=0.6', 'zh-CN,zh;q=0.9,en;q=0.5', 'fr-FR,fr;q=0.9'] as const;

export const REFERRERS = ['https://portal.example.edu/', 'https://www.google.com/', 'https://mail.example.edu/', null] as const;

/** Answers to the survey's choice questions. */
export const SURVEY_CHOICES = ['Strongly agree', 'Agree', 'Agree', 'Neutral', 'Disagree', 'Strongly disagree'] as const;

/** Answers to the survey's essay question (a few multi-byte). */
export const SURVEY_ESSAYS = [
  'More practice problems before each quiz, please.',
  'The videos were great; the readings were too long.',
  'Clearer deadlines for the assignments.',
  'Nothing, it was a good course.',
  'Más ejercicios de conversación, por favor.',
  'Die Diskussionen waren sehr hilfreich — danke!',
  '希望有更多的例子。',
] as const;

/** Tutorials the platform plays to new users, with their number of steps. */
export const TUTORIALS = [
  { name: 'course-navigation', steps: 5, role: 'student' },
  { name: 'learner-dashboard', steps: 4, role: 'student' },
  { name: 'instructor-gradebook', steps: 6, role: 'instructor' },
] as const;
