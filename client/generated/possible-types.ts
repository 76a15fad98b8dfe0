
      export type PossibleTypesResultData = {
  "possibleTypes": {
    "EventData": [
      "AvailabilityData",
      "FeedbackReceivedData",
      "InstantRequestAnsweredData",
      "InstantRequestCancelledData",
      "InstantRequestExpiredData",
      "InstantRequestReceivedData",
      "MaintenanceModeData",
      "MatchCancelledData",
      "MatchedData",
      "MessageData",
      "MessagesReadData",
      "ReportCompletedData",
      "ReportFailedData",
      "ReportProgressData",
      "ReportStartedData",
      "RolesSwappedData",
      "ServerShutdownData",
      "SessionEndedData",
      "SessionStartedData",
      "SlotReminderData",
      "TypingStoppedData",
      "UserData"
    ]
  }
};
      const result: PossibleTypesResultData = {
  "possibleTypes": {
    "EventData": [
      "AvailabilityData",
      "FeedbackReceivedData",
      "InstantRequestAnsweredData",
      "InstantRequestCancelledData",
      "InstantRequestExpiredData",
      "InstantRequestReceivedData",
      "MaintenanceModeData",
      "MatchCancelledData",
      "MatchedData",
      "MessageData",
      "MessagesReadData",
      "ReportCompletedData",
      "ReportFailedData",
      "ReportProgressData",
      "ReportStartedData",
      "RolesSwappedData",
      "ServerShutdownData",
      "SessionEndedData",
      "SessionStartedData",
      "SlotReminderData",
      "TypingStoppedData",
      "UserData"
    ]
  }
};
      export default result;
    