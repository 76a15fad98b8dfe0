
      export type PossibleTypesResultData = {
  "possibleTypes": {
    "EventData": [
      "AvailabilityData",
      "FeedbackReceivedData",
      "InstantRequestAnsweredData",
      "InstantRequestExpiredData",
      "InstantRequestReceivedData",
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
      "InstantRequestExpiredData",
      "InstantRequestReceivedData",
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
      "TypingStoppedData",
      "UserData"
    ]
  }
};
      export default result;
    