"""A family's rating of a course for one week: the course and its teacher,
each scored 1 to 5.

A comment, free text that may name people, is kept in the personal-data
registry under the student's key, never in the event. One rating per child,
course and ISO week.
"""

from datetime import date, timedelta
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.course import BEIJING, Course
from domain.errors import NotAttended, ScoreOutOfRange, WeekNotBegun
from domain.facts import Created, Stamp, stable_id

SCORES = range(1, 6)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


class Rating(Aggregate):
    class Given(Created):
        """``teacher_id``: who delivered the sessions the child attended that
        week (the last of them, if several taught); ``week``: its Monday."""

        school_id: UUID
        course_id: UUID
        student_id: str
        teacher_id: UUID
        week: date
        course_score: int
        teacher_score: int
        commented: bool

        def apply(self, rating: "Rating") -> None:
            rating.school_id = self.school_id
            rating.course_id = self.course_id
            rating.student_id = self.student_id
            rating.teacher_id = self.teacher_id
            rating.week = self.week
            rating.course_score = self.course_score
            rating.teacher_score = self.teacher_score

    @staticmethod
    def id_for(course_id: UUID, student_id: str, week: date) -> UUID:
        """Rating the same week again finds the same rating."""
        return stable_id("rating", course_id, student_id, monday_of(week).isoformat())

    @classmethod
    def give(
        cls,
        *,
        course: Course,
        student_id: str,
        week: date,
        course_score: int,
        teacher_score: int,
        commented: bool,
        stamp: Stamp,
    ) -> "Rating":
        """``week``: any day of the ISO week rated."""
        cls.check_score("course_score", course_score)
        cls.check_score("teacher_score", teacher_score)
        monday = monday_of(week)
        cls.check_begun(monday, stamp)
        attended = course.attended(student_id, monday)
        if not attended:
            raise NotAttended(
                f"student {student_id} was present at no session of {course.code} "
                f"in the week of {monday}"
            )
        return cls._create(
            cls.Given,
            id=cls.id_for(course.id, student_id, monday),
            school_id=course.school_id,
            course_id=course.id,
            student_id=student_id,
            teacher_id=attended[-1].teacher_id,
            week=monday,
            course_score=course_score,
            teacher_score=teacher_score,
            commented=commented,
            **stamp.fields(),
        )

    @staticmethod
    def check_score(field: str, score: int) -> None:
        if isinstance(score, bool) or score not in SCORES:
            raise ScoreOutOfRange(
                f"{field} is a whole number from 1 to 5, not {score}", field=field
            )

    @staticmethod
    def check_begun(monday: date, stamp: Stamp) -> None:
        today = stamp.at.astimezone(BEIJING).date()
        if monday > today:
            raise WeekNotBegun(f"the week of {monday} has not begun yet")
